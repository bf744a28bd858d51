// Node binding over libxgboost's C API. The library is opened with dlopen at run time (the PyPI wheel
// ships no headers, and the path is only known once the JS side has looked for it), so the few C
// functions used are declared here with the signatures of XGBoost's include/xgboost/c_api.h (>= 2.1).
//
// Threads: every call that can take long (DMatrix construction, boosting, evaluation, prediction,
// model (de)serialisation, tracker wait) returns a promise and runs off the JS thread, either on the
// libuv pool or, when a Lane is given, on that lane's own OS thread. libxgboost's collective
// communicator and its last-error message are thread-local, so a distributed task puts all its calls
// (communicator init, DMatrix, boosting, finalize) on one lane.
#include <napi.h>

#include <arpa/inet.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

typedef uint64_t bst_ulong;
typedef void* DMatrixHandle;
typedef void* BoosterHandle;
typedef void* TrackerHandle;

struct Api {
  void (*XGBoostVersion)(int*, int*, int*);
  const char* (*XGBGetLastError)();
  int (*XGDMatrixCreateFromDense)(const char*, const char*, DMatrixHandle*);
  int (*XGDMatrixCreateFromColumnar)(const char*, const char*, DMatrixHandle*);
  int (*XGDMatrixSetInfoFromInterface)(DMatrixHandle, const char*, const char*);
  int (*XGDMatrixSetStrFeatureInfo)(DMatrixHandle, const char*, const char**, bst_ulong);
  int (*XGDMatrixNumRow)(DMatrixHandle, bst_ulong*);
  int (*XGDMatrixNumCol)(DMatrixHandle, bst_ulong*);
  int (*XGDMatrixNumNonMissing)(DMatrixHandle, bst_ulong*);
  int (*XGDMatrixFree)(DMatrixHandle);
  int (*XGBoosterCreate)(const DMatrixHandle[], bst_ulong, BoosterHandle*);
  int (*XGBoosterFree)(BoosterHandle);
  int (*XGBoosterSetParam)(BoosterHandle, const char*, const char*);
  int (*XGBoosterUpdateOneIter)(BoosterHandle, int, DMatrixHandle);
  int (*XGBoosterEvalOneIter)(BoosterHandle, int, DMatrixHandle[], const char*[], bst_ulong, const char**);
  int (*XGBoosterPredictFromDMatrix)(BoosterHandle, DMatrixHandle, const char*, const bst_ulong**, bst_ulong*,
                                     const float**);
  int (*XGBoosterLoadModelFromBuffer)(BoosterHandle, const void*, bst_ulong);
  int (*XGBoosterSaveModelToBuffer)(BoosterHandle, const char*, bst_ulong*, const char**);
  int (*XGBoosterFeatureScore)(BoosterHandle, const char*, bst_ulong*, const char***, bst_ulong*, const bst_ulong**,
                               const float**);
  int (*XGBoosterBoostedRounds)(BoosterHandle, int*);
  int (*XGBoosterGetNumFeature)(BoosterHandle, bst_ulong*);
  int (*XGBoosterSaveJsonConfig)(BoosterHandle, bst_ulong*, const char**);
  int (*XGCommunicatorInit)(const char*);
  int (*XGCommunicatorFinalize)();
  int (*XGCommunicatorGetRank)();
  int (*XGCommunicatorGetWorldSize)();
  int (*XGTrackerCreate)(const char*, TrackerHandle*);
  int (*XGTrackerWorkerArgs)(TrackerHandle, const char**);
  int (*XGTrackerRun)(TrackerHandle, const char*);
  int (*XGTrackerWaitFor)(TrackerHandle, const char*);
  int (*XGTrackerFree)(TrackerHandle);
  int (*XGBRegisterLogCallback)(void (*)(const char*));
  int (*XGBoosterSetStrFeatureInfo)(BoosterHandle, const char*, const char**, bst_ulong);
};

// One library per process, shared by every worker thread's instance of the addon.
Api api;
std::mutex api_mutex;
void* lib_handle = nullptr;
std::string lib_path;
int lib_version[3] = {0, 0, 0};

const char* kInstallHint =
    "install it with ./scripts/setup.sh (the xgboost-cpu wheel in .venv), or point QUIVER_XGBOOST_LIB at a "
    "libxgboost.so of version 2.1 or newer";

// XGBoost reports some mistakes (an unknown parameter name) only as a logged warning. A job collects
// what its thread logs while it runs, so the JS side can see those messages; other messages go to
// stderr, as XGBoost itself would print them.
thread_local std::vector<std::string>* log_sink = nullptr;

void OnLog(const char* msg) {
  if (log_sink) {
    log_sink->emplace_back(msg);
  } else {
    std::fprintf(stderr, "%s\n", msg);
  }
}

std::string LastError(const char* fn) {
  std::string msg = api.XGBGetLastError() ? api.XGBGetLastError() : "unknown XGBoost error";
  // The native backtrace that follows the message says nothing to a JS caller.
  size_t trace = msg.find("\nStack trace:");
  if (trace != std::string::npos) msg.resize(trace);
  while (!msg.empty() && std::isspace(static_cast<unsigned char>(msg.back()))) msg.pop_back();
  return std::string(fn) + ": " + msg;
}

#define XGB_CHECK(call, fn)                   \
  do {                                        \
    if ((call) != 0) return LastError(fn);    \
  } while (0)

void ThrowIfFailed(Napi::Env env, int rc, const char* fn) {
  if (rc != 0) throw Napi::Error::New(env, LastError(fn));
}

void RequireLoaded(Napi::Env env) {
  if (!lib_handle) throw Napi::Error::New(env, "libxgboost is not loaded: call load(path) first");
}

// ---- handles ---------------------------------------------------------------------------------

enum class Kind { DMatrix, Booster, Tracker };

struct Handle {
  void* ptr;
  Kind kind;
  void Free() {
    if (!ptr) return;
    switch (kind) {
      case Kind::DMatrix: api.XGDMatrixFree(ptr); break;
      case Kind::Booster: api.XGBoosterFree(ptr); break;
      case Kind::Tracker: api.XGTrackerFree(ptr); break;
    }
    ptr = nullptr;
  }
};

const char* KindName(Kind k) {
  return k == Kind::DMatrix ? "DMatrix" : k == Kind::Booster ? "Booster" : "Tracker";
}

Napi::External<Handle> WrapHandle(Napi::Env env, void* ptr, Kind kind) {
  return Napi::External<Handle>::New(env, new Handle{ptr, kind}, [](Napi::Env, Handle* h) {
    h->Free();
    delete h;
  });
}

Handle* GetHandle(const Napi::Value& v, Kind kind) {
  Napi::Env env = v.Env();
  if (!v.IsExternal()) throw Napi::TypeError::New(env, std::string("expected a ") + KindName(kind) + " handle");
  Handle* h = v.As<Napi::External<Handle>>().Data();
  if (h->kind != kind) throw Napi::TypeError::New(env, std::string("expected a ") + KindName(kind) + " handle");
  if (!h->ptr) throw Napi::Error::New(env, std::string("the ") + KindName(kind) + " was already freed");
  return h;
}

// ---- array interface -------------------------------------------------------------------------

std::string NumberJson(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

const char* TypeStr(napi_typedarray_type t) {
  switch (t) {
    case napi_int8_array: return "|i1";
    case napi_uint8_array: return "|u1";
    case napi_uint8_clamped_array: return "|u1";
    case napi_int16_array: return "<i2";
    case napi_uint16_array: return "<u2";
    case napi_int32_array: return "<i4";
    case napi_uint32_array: return "<u4";
    case napi_float32_array: return "<f4";
    case napi_float64_array: return "<f8";
    case napi_bigint64_array: return "<i8";
    case napi_biguint64_array: return "<u8";
    default: return nullptr;
  }
}

// The __array_interface__ (version 3) of a typed array: XGBoost reads the memory in place.
std::string ArrayInterface(const Napi::TypedArray& a, const std::vector<size_t>& shape) {
  const char* ts = TypeStr(a.TypedArrayType());
  if (!ts) throw Napi::TypeError::New(a.Env(), "unsupported typed array type");
  const uint8_t* base = static_cast<const uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset();
  std::string s = "{\"data\":[" + std::to_string(reinterpret_cast<uintptr_t>(base)) + ",true],\"shape\":[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  s += std::string("],\"typestr\":\"") + ts + "\",\"version\":3,\"strides\":null}";
  return s;
}

Napi::TypedArray GetTypedArray(const Napi::Value& v, const char* what) {
  if (!v.IsTypedArray()) throw Napi::TypeError::New(v.Env(), std::string(what) + " must be a typed array");
  return v.As<Napi::TypedArray>();
}

std::string GetString(const Napi::Value& v, const char* what) {
  if (!v.IsString()) throw Napi::TypeError::New(v.Env(), std::string(what) + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

// ---- jobs: work done off the JS thread, settled on it ----------------------------------------

struct Lane;

struct Job {
  Napi::Promise::Deferred deferred;
  std::vector<Napi::Reference<Napi::Value>> keep;  // JS objects whose memory or handles the job uses
  std::string error;
  std::vector<std::string> log;
  Lane* lane = nullptr;

  explicit Job(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}
  virtual ~Job() = default;
  // Runs on the worker thread; returns an error message, empty on success.
  virtual std::string Run() = 0;
  virtual Napi::Value Result(Napi::Env env) { return env.Undefined(); }

  Napi::Array LogArray(Napi::Env env) {
    Napi::Array a = Napi::Array::New(env, log.size());
    for (uint32_t i = 0; i < log.size(); ++i) a.Set(i, log[i]);
    return a;
  }
  void Keep(const Napi::Value& v) { keep.push_back(Napi::Persistent(v)); }
  void Execute() {
    // XGBoost keeps the log callback per thread, like the last error.
    api.XGBRegisterLogCallback(OnLog);
    log_sink = &log;
    try {
      error = Run();
    } catch (const std::exception& e) {
      error = e.what();
    }
    log_sink = nullptr;
  }
  void Settle(Napi::Env env) {
    Napi::HandleScope scope(env);
    if (!error.empty()) {
      deferred.Reject(Napi::Error::New(env, error).Value());
      return;
    }
    try {
      Napi::Value result = Result(env);
      if (!log.empty() && result.IsObject()) result.As<Napi::Object>().Set("log", LogArray(env));
      else if (!log.empty() && result.IsUndefined()) {
        Napi::Object o = Napi::Object::New(env);
        o.Set("log", LogArray(env));
        result = o;
      }
      deferred.Resolve(result);
    } catch (const Napi::Error& e) {
      deferred.Reject(e.Value());
    }
  }
};

class PoolRunner : public Napi::AsyncWorker {
 public:
  PoolRunner(Napi::Env env, Job* job) : Napi::AsyncWorker(env, "quiver.xgboost"), job_(job) {}
  void Execute() override { job_->Execute(); }
  void OnOK() override { job_->Settle(Env()); }

 private:
  std::unique_ptr<Job> job_;
};

void CallJs(Napi::Env env, Napi::Function, Lane* lane, Job* job);
using LaneTsfn = Napi::TypedThreadSafeFunction<Lane, Job, CallJs>;

// A dedicated OS thread running jobs in order: the home of one task's collective communicator.
struct Lane {
  std::thread thread;
  std::mutex mutex;
  std::condition_variable cv;
  std::deque<Job*> queue;
  bool stopping = false;
  bool busy = false;  // a job is running (guarded by mutex)
  LaneTsfn tsfn;
  int pending = 0;  // touched on the JS thread only

  void Loop() {
    for (;;) {
      Job* job;
      {
        std::unique_lock<std::mutex> lock(mutex);
        cv.wait(lock, [this] { return stopping || !queue.empty(); });
        if (queue.empty()) break;
        job = queue.front();
        queue.pop_front();
        busy = true;
      }
      job->Execute();
      {
        std::lock_guard<std::mutex> lock(mutex);
        busy = false;
      }
      // When the JS side is gone the call fails and the job is leaked: its references belong to that thread.
      tsfn.BlockingCall(job);
    }
    tsfn.Release();
  }

  void Push(Napi::Env env, Job* job) {
    if (pending++ == 0) tsfn.Ref(env);  // keep the process alive while work is in flight
    {
      std::lock_guard<std::mutex> lock(mutex);
      queue.push_back(job);
    }
    cv.notify_one();
  }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (stopping) return;
      stopping = true;
    }
    cv.notify_one();
    if (thread.joinable()) thread.join();
  }
};

void CallJs(Napi::Env env, Napi::Function, Lane* lane, Job* job) {
  if (env != nullptr) {
    job->Settle(env);
    if (--lane->pending == 0) lane->tsfn.Unref(env);
  }
  delete job;
}

Lane* GetLane(const Napi::Value& v) {
  if (!v.IsExternal()) throw Napi::TypeError::New(v.Env(), "expected a Lane");
  return v.As<Napi::External<Lane>>().Data();
}

// Queues the job on the lane given as `laneArg` (undefined: the libuv pool) and returns its promise.
Napi::Value Schedule(Napi::Env env, Job* job, const Napi::Value& laneArg) {
  Napi::Promise promise = job->deferred.Promise();
  if (laneArg.IsUndefined() || laneArg.IsNull()) {
    (new PoolRunner(env, job))->Queue();
  } else {
    Lane* lane = GetLane(laneArg);
    if (lane->stopping) {
      delete job;
      throw Napi::Error::New(env, "the lane was closed");
    }
    job->Keep(laneArg);  // the lane lives until its last job has settled
    job->lane = lane;
    lane->Push(env, job);
  }
  return promise;
}

// ---- library ---------------------------------------------------------------------------------

template <typename F>
bool Sym(void* lib, const char* name, F& out, std::string& missing) {
  out = reinterpret_cast<F>(dlsym(lib, name));
  if (!out) missing += std::string(missing.empty() ? "" : ", ") + name;
  return out != nullptr;
}

// load(path): opens libxgboost once per process. Returns { path, version: [major, minor, patch] }.
Napi::Value Load(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = GetString(info[0], "path");
  std::lock_guard<std::mutex> lock(api_mutex);
  if (!lib_handle) {
    void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      const char* why = dlerror();
      throw Napi::Error::New(env, "cannot open libxgboost at " + path + " (" + (why ? why : "unknown") + "); " +
                                      kInstallHint);
    }
    Api a{};
    std::string missing;
    Sym(lib, "XGBoostVersion", a.XGBoostVersion, missing);
    Sym(lib, "XGBGetLastError", a.XGBGetLastError, missing);
    Sym(lib, "XGDMatrixCreateFromDense", a.XGDMatrixCreateFromDense, missing);
    Sym(lib, "XGDMatrixCreateFromColumnar", a.XGDMatrixCreateFromColumnar, missing);
    Sym(lib, "XGDMatrixSetInfoFromInterface", a.XGDMatrixSetInfoFromInterface, missing);
    Sym(lib, "XGDMatrixSetStrFeatureInfo", a.XGDMatrixSetStrFeatureInfo, missing);
    Sym(lib, "XGDMatrixNumRow", a.XGDMatrixNumRow, missing);
    Sym(lib, "XGDMatrixNumCol", a.XGDMatrixNumCol, missing);
    Sym(lib, "XGDMatrixNumNonMissing", a.XGDMatrixNumNonMissing, missing);
    Sym(lib, "XGDMatrixFree", a.XGDMatrixFree, missing);
    Sym(lib, "XGBoosterCreate", a.XGBoosterCreate, missing);
    Sym(lib, "XGBoosterFree", a.XGBoosterFree, missing);
    Sym(lib, "XGBoosterSetParam", a.XGBoosterSetParam, missing);
    Sym(lib, "XGBoosterUpdateOneIter", a.XGBoosterUpdateOneIter, missing);
    Sym(lib, "XGBoosterEvalOneIter", a.XGBoosterEvalOneIter, missing);
    Sym(lib, "XGBoosterPredictFromDMatrix", a.XGBoosterPredictFromDMatrix, missing);
    Sym(lib, "XGBoosterLoadModelFromBuffer", a.XGBoosterLoadModelFromBuffer, missing);
    Sym(lib, "XGBoosterSaveModelToBuffer", a.XGBoosterSaveModelToBuffer, missing);
    Sym(lib, "XGBoosterFeatureScore", a.XGBoosterFeatureScore, missing);
    Sym(lib, "XGBoosterBoostedRounds", a.XGBoosterBoostedRounds, missing);
    Sym(lib, "XGBoosterGetNumFeature", a.XGBoosterGetNumFeature, missing);
    Sym(lib, "XGBoosterSaveJsonConfig", a.XGBoosterSaveJsonConfig, missing);
    Sym(lib, "XGCommunicatorInit", a.XGCommunicatorInit, missing);
    Sym(lib, "XGCommunicatorFinalize", a.XGCommunicatorFinalize, missing);
    Sym(lib, "XGCommunicatorGetRank", a.XGCommunicatorGetRank, missing);
    Sym(lib, "XGCommunicatorGetWorldSize", a.XGCommunicatorGetWorldSize, missing);
    Sym(lib, "XGTrackerCreate", a.XGTrackerCreate, missing);
    Sym(lib, "XGTrackerWorkerArgs", a.XGTrackerWorkerArgs, missing);
    Sym(lib, "XGTrackerRun", a.XGTrackerRun, missing);
    Sym(lib, "XGTrackerWaitFor", a.XGTrackerWaitFor, missing);
    Sym(lib, "XGTrackerFree", a.XGTrackerFree, missing);
    Sym(lib, "XGBRegisterLogCallback", a.XGBRegisterLogCallback, missing);
    Sym(lib, "XGBoosterSetStrFeatureInfo", a.XGBoosterSetStrFeatureInfo, missing);
    int v[3] = {0, 0, 0};
    if (a.XGBoostVersion) a.XGBoostVersion(&v[0], &v[1], &v[2]);
    bool tooOld = v[0] < 2 || (v[0] == 2 && v[1] < 1);
    if (tooOld || !missing.empty()) {
      dlclose(lib);
      std::string have = a.XGBoostVersion ? std::to_string(v[0]) + "." + std::to_string(v[1]) + "." +
                                                std::to_string(v[2])
                                          : "unknown";
      throw Napi::Error::New(env, "libxgboost at " + path + " is version " + have + ", Quiver needs 2.1 or newer" +
                                      (missing.empty() ? "" : " (missing " + missing + ")") + "; " + kInstallHint);
    }
    api = a;
    api.XGBRegisterLogCallback(OnLog);
    lib_handle = lib;
    lib_path = path;
    std::memcpy(lib_version, v, sizeof v);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("path", lib_path);
  Napi::Array version = Napi::Array::New(env, 3);
  for (uint32_t i = 0; i < 3; ++i) version.Set(i, lib_version[i]);
  out.Set("version", version);
  return out;
}

// ---- lanes -----------------------------------------------------------------------------------

Napi::Value CreateLane(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Lane* lane = new Lane();
  lane->tsfn = LaneTsfn::New(env, "quiver.xgboost.lane", 0, 1, lane);
  lane->tsfn.Unref(env);
  lane->thread = std::thread([lane] { lane->Loop(); });
  return Napi::External<Lane>::New(env, lane, [](Napi::Env, Lane* l) {
    // Pending jobs keep their lane alive, so a lane collected with work left is one whose JS thread is
    // being torn down (a pool worker terminated mid-task). Its thread may be blocked in XGBoost (waiting
    // on peers that are gone): joining would block the teardown, so it is let go, and the Lane leaked.
    bool idle;
    {
      std::lock_guard<std::mutex> lock(l->mutex);
      idle = !l->busy && l->queue.empty();
    }
    if (!idle) {
      {
        std::lock_guard<std::mutex> lock(l->mutex);
        l->stopping = true;
      }
      l->cv.notify_one();
      if (l->thread.joinable()) l->thread.detach();
      return;
    }
    l->Stop();
    delete l;
  });
}

// closeLane(lane): lets the thread finish its queue and exit, and waits for it.
Napi::Value CloseLane(const Napi::CallbackInfo& info) {
  GetLane(info[0])->Stop();
  return info.Env().Undefined();
}

// ---- DMatrix ---------------------------------------------------------------------------------

std::string MatrixConfig(double missing, int nthread) {
  return "{\"missing\":" + NumberJson(missing) + ",\"nthread\":" + std::to_string(nthread) +
         ",\"data_split_mode\":0}";
}

struct CreateDMatrixJob : Job {
  std::string data, config;
  bool columnar;
  DMatrixHandle out = nullptr;
  using Job::Job;
  std::string Run() override {
    if (columnar) {
      XGB_CHECK(api.XGDMatrixCreateFromColumnar(data.c_str(), config.c_str(), &out), "XGDMatrixCreateFromColumnar");
    } else {
      XGB_CHECK(api.XGDMatrixCreateFromDense(data.c_str(), config.c_str(), &out), "XGDMatrixCreateFromDense");
    }
    return "";
  }
  Napi::Value Result(Napi::Env env) override { return WrapHandle(env, out, Kind::DMatrix); }
};

// dmatrixFromDense(data: Float32Array|Float64Array|..., nrow, ncol, missing, nthread, lane?): row-major values.
Napi::Value DMatrixFromDense(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireLoaded(env);
  Napi::TypedArray data = GetTypedArray(info[0], "data");
  size_t nrow = info[1].As<Napi::Number>().Int64Value(), ncol = info[2].As<Napi::Number>().Int64Value();
  if (nrow * ncol != data.ElementLength()) {
    throw Napi::RangeError::New(env, "data has " + std::to_string(data.ElementLength()) + " values, not nrow*ncol = " +
                                         std::to_string(nrow * ncol));
  }
  auto* job = new CreateDMatrixJob(env);
  job->columnar = false;
  job->data = ArrayInterface(data, {nrow, ncol});
  job->config = MatrixConfig(info[3].As<Napi::Number>().DoubleValue(), info[4].As<Napi::Number>().Int32Value());
  job->Keep(data);
  return Schedule(env, job, info[5]);
}

// dmatrixFromColumns(columns: TypedArray[], missing, nthread, lane?): one typed array per feature, read in place.
Napi::Value DMatrixFromColumns(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireLoaded(env);
  if (!info[0].IsArray()) throw Napi::TypeError::New(env, "columns must be an array of typed arrays");
  Napi::Array cols = info[0].As<Napi::Array>();
  if (cols.Length() == 0) throw Napi::RangeError::New(env, "a DMatrix needs at least one feature column");
  auto* job = new CreateDMatrixJob(env);
  std::unique_ptr<Job> guard(job);
  job->columnar = true;
  job->data = "[";
  size_t n = 0;
  for (uint32_t i = 0; i < cols.Length(); ++i) {
    Napi::TypedArray col = GetTypedArray(cols.Get(i), "every feature column");
    if (i == 0) n = col.ElementLength();
    if (col.ElementLength() != n) {
      throw Napi::RangeError::New(env, "feature column " + std::to_string(i) + " has " +
                                           std::to_string(col.ElementLength()) + " rows, column 0 has " +
                                           std::to_string(n));
    }
    job->data += (i ? "," : "") + ArrayInterface(col, {n});
    job->Keep(col);
  }
  job->data += "]";
  job->config = MatrixConfig(info[1].As<Napi::Number>().DoubleValue(), info[2].As<Napi::Number>().Int32Value());
  guard.release();
  return Schedule(env, job, info[3]);
}

// dmatrixSetInfo(dm, field, values, ncol?): label, weight, base_margin (ncol > 1 for multi-output margins), ...
Napi::Value DMatrixSetInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Handle* dm = GetHandle(info[0], Kind::DMatrix);
  std::string field = GetString(info[1], "field");
  Napi::TypedArray values = GetTypedArray(info[2], field.c_str());
  size_t ncol = info[3].IsNumber() ? info[3].As<Napi::Number>().Int64Value() : 1;
  std::vector<size_t> shape = {values.ElementLength()};
  if (ncol > 1) shape = {values.ElementLength() / ncol, ncol};
  std::string iface = ArrayInterface(values, shape);
  ThrowIfFailed(env, api.XGDMatrixSetInfoFromInterface(dm->ptr, field.c_str(), iface.c_str()),
                "XGDMatrixSetInfoFromInterface");
  return env.Undefined();
}

// setStrInfo(dmatrix | booster, field, strings): feature_name or feature_type.
Napi::Value SetStrInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsExternal()) throw Napi::TypeError::New(env, "expected a DMatrix or Booster handle");
  bool booster = info[0].As<Napi::External<Handle>>().Data()->kind == Kind::Booster;
  Handle* h = GetHandle(info[0], booster ? Kind::Booster : Kind::DMatrix);
  std::string field = GetString(info[1], "field");
  Napi::Array arr = info[2].As<Napi::Array>();
  std::vector<std::string> strs(arr.Length());
  std::vector<const char*> ptrs(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    strs[i] = GetString(arr.Get(i), field.c_str());
    ptrs[i] = strs[i].c_str();
  }
  if (booster) {
    ThrowIfFailed(env, api.XGBoosterSetStrFeatureInfo(h->ptr, field.c_str(), ptrs.data(), ptrs.size()),
                  "XGBoosterSetStrFeatureInfo");
  } else {
    ThrowIfFailed(env, api.XGDMatrixSetStrFeatureInfo(h->ptr, field.c_str(), ptrs.data(), ptrs.size()),
                  "XGDMatrixSetStrFeatureInfo");
  }
  return env.Undefined();
}

Napi::Value DMatrixShape(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Handle* dm = GetHandle(info[0], Kind::DMatrix);
  bst_ulong rows = 0, cols = 0, present = 0;
  ThrowIfFailed(env, api.XGDMatrixNumRow(dm->ptr, &rows), "XGDMatrixNumRow");
  ThrowIfFailed(env, api.XGDMatrixNumCol(dm->ptr, &cols), "XGDMatrixNumCol");
  ThrowIfFailed(env, api.XGDMatrixNumNonMissing(dm->ptr, &present), "XGDMatrixNumNonMissing");
  Napi::Array out = Napi::Array::New(env, 3);
  out.Set(0u, static_cast<double>(rows));
  out.Set(1u, static_cast<double>(cols));
  out.Set(2u, static_cast<double>(present));
  return out;
}

Napi::Value FreeHandle(const Napi::CallbackInfo& info) {
  if (!info[0].IsExternal()) throw Napi::TypeError::New(info.Env(), "expected a handle");
  info[0].As<Napi::External<Handle>>().Data()->Free();
  return info.Env().Undefined();
}

// ---- Booster ---------------------------------------------------------------------------------

// boosterCreate(dmatrices[]): the matrices are cached by the booster for training and evaluation.
Napi::Value BoosterCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireLoaded(env);
  std::vector<DMatrixHandle> dms;
  if (info[0].IsArray()) {
    Napi::Array arr = info[0].As<Napi::Array>();
    for (uint32_t i = 0; i < arr.Length(); ++i) dms.push_back(GetHandle(arr.Get(i), Kind::DMatrix)->ptr);
  }
  BoosterHandle out = nullptr;
  ThrowIfFailed(env, api.XGBoosterCreate(dms.data(), dms.size(), &out), "XGBoosterCreate");
  return WrapHandle(env, out, Kind::Booster);
}

Napi::Value BoosterSetParam(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Handle* b = GetHandle(info[0], Kind::Booster);
  std::string name = GetString(info[1], "parameter name"), value = GetString(info[2], "parameter value");
  ThrowIfFailed(env, api.XGBoosterSetParam(b->ptr, name.c_str(), value.c_str()), "XGBoosterSetParam");
  return env.Undefined();
}

struct UpdateJob : Job {
  BoosterHandle booster;
  DMatrixHandle dtrain;
  int iter;
  using Job::Job;
  std::string Run() override {
    XGB_CHECK(api.XGBoosterUpdateOneIter(booster, iter, dtrain), "XGBoosterUpdateOneIter");
    return "";
  }
};

// boosterUpdateOneIter(booster, iter, dtrain, lane?)
Napi::Value BoosterUpdateOneIter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto* job = new UpdateJob(env);
  std::unique_ptr<Job> guard(job);
  job->booster = GetHandle(info[0], Kind::Booster)->ptr;
  job->iter = info[1].As<Napi::Number>().Int32Value();
  job->dtrain = GetHandle(info[2], Kind::DMatrix)->ptr;
  job->Keep(info[0]);
  job->Keep(info[2]);
  guard.release();
  return Schedule(env, job, info[3]);
}

struct EvalJob : Job {
  BoosterHandle booster;
  int iter;
  std::vector<DMatrixHandle> dms;
  std::vector<std::string> names;
  std::string out;
  using Job::Job;
  std::string Run() override {
    std::vector<const char*> ptrs;
    for (auto& n : names) ptrs.push_back(n.c_str());
    const char* res = nullptr;
    XGB_CHECK(api.XGBoosterEvalOneIter(booster, iter, dms.data(), ptrs.data(), dms.size(), &res),
              "XGBoosterEvalOneIter");
    out = res ? res : "";
    return "";
  }
  Napi::Value Result(Napi::Env env) override { return Napi::String::New(env, out); }
};

// boosterEvalOneIter(booster, iter, dmatrices[], names[], lane?) -> "[iter]\tname-metric:value..."
Napi::Value BoosterEvalOneIter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto* job = new EvalJob(env);
  std::unique_ptr<Job> guard(job);
  job->booster = GetHandle(info[0], Kind::Booster)->ptr;
  job->iter = info[1].As<Napi::Number>().Int32Value();
  Napi::Array dms = info[2].As<Napi::Array>(), names = info[3].As<Napi::Array>();
  if (dms.Length() != names.Length()) throw Napi::RangeError::New(env, "one name per evaluation DMatrix");
  for (uint32_t i = 0; i < dms.Length(); ++i) {
    job->dms.push_back(GetHandle(dms.Get(i), Kind::DMatrix)->ptr);
    job->names.push_back(GetString(names.Get(i), "evaluation name"));
    job->Keep(dms.Get(i));
  }
  job->Keep(info[0]);
  guard.release();
  return Schedule(env, job, info[4]);
}

struct PredictJob : Job {
  BoosterHandle booster;
  DMatrixHandle dm;
  std::string config;
  std::vector<bst_ulong> shape;
  std::vector<float> values;
  using Job::Job;
  std::string Run() override {
    const bst_ulong* s = nullptr;
    bst_ulong dim = 0;
    const float* res = nullptr;
    XGB_CHECK(api.XGBoosterPredictFromDMatrix(booster, dm, config.c_str(), &s, &dim, &res),
              "XGBoosterPredictFromDMatrix");
    // The result buffer belongs to the booster and this thread: copy it before anything else runs here.
    shape.assign(s, s + dim);
    size_t n = 1;
    for (auto d : shape) n *= d;
    values.assign(res, res + n);
    return "";
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object out = Napi::Object::New(env);
    Napi::Array sh = Napi::Array::New(env, shape.size());
    for (uint32_t i = 0; i < shape.size(); ++i) sh.Set(i, static_cast<double>(shape[i]));
    Napi::Float32Array v = Napi::Float32Array::New(env, values.size());
    if (!values.empty()) std::memcpy(v.Data(), values.data(), values.size() * sizeof(float));
    out.Set("shape", sh);
    out.Set("values", v);
    return out;
  }
};

// boosterPredict(booster, dm, configJson, lane?) -> { shape, values: Float32Array }; configJson as in
// XGBoosterPredictFromDMatrix: type 0 value, 1 margin, 2 contributions, 6 leaf.
Napi::Value BoosterPredict(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto* job = new PredictJob(env);
  std::unique_ptr<Job> guard(job);
  job->booster = GetHandle(info[0], Kind::Booster)->ptr;
  job->dm = GetHandle(info[1], Kind::DMatrix)->ptr;
  job->config = GetString(info[2], "prediction config");
  job->Keep(info[0]);
  job->Keep(info[1]);
  guard.release();
  return Schedule(env, job, info[3]);
}

struct SaveJob : Job {
  BoosterHandle booster;
  std::string config;
  std::vector<char> bytes;
  using Job::Job;
  std::string Run() override {
    bst_ulong len = 0;
    const char* data = nullptr;
    XGB_CHECK(api.XGBoosterSaveModelToBuffer(booster, config.c_str(), &len, &data), "XGBoosterSaveModelToBuffer");
    bytes.assign(data, data + len);
    return "";
  }
  Napi::Value Result(Napi::Env env) override {
    return Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
};

// boosterSaveModel(booster, format: "json" | "ubj", lane?) -> Buffer
Napi::Value BoosterSaveModel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto* job = new SaveJob(env);
  std::unique_ptr<Job> guard(job);
  job->booster = GetHandle(info[0], Kind::Booster)->ptr;
  std::string format = GetString(info[1], "model format");
  if (format != "json" && format != "ubj") throw Napi::Error::New(env, "model format must be json or ubj");
  job->config = "{\"format\":\"" + format + "\"}";
  job->Keep(info[0]);
  guard.release();
  return Schedule(env, job, info[2]);
}

struct LoadJob : Job {
  BoosterHandle booster;
  const void* data;
  size_t len;
  using Job::Job;
  std::string Run() override {
    XGB_CHECK(api.XGBoosterLoadModelFromBuffer(booster, data, len), "XGBoosterLoadModelFromBuffer");
    return "";
  }
};

// boosterLoadModel(booster, bytes: Uint8Array, lane?): JSON or UBJSON, told apart by XGBoost.
Napi::Value BoosterLoadModel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto* job = new LoadJob(env);
  std::unique_ptr<Job> guard(job);
  job->booster = GetHandle(info[0], Kind::Booster)->ptr;
  Napi::TypedArray bytes = GetTypedArray(info[1], "model bytes");
  job->data = static_cast<const uint8_t*>(bytes.ArrayBuffer().Data()) + bytes.ByteOffset();
  job->len = bytes.ByteLength();
  job->Keep(info[0]);
  job->Keep(bytes);
  guard.release();
  return Schedule(env, job, info[2]);
}

struct ScoreJob : Job {
  BoosterHandle booster;
  std::string config;
  std::vector<std::string> features;
  std::vector<bst_ulong> shape;
  std::vector<float> scores;
  using Job::Job;
  std::string Run() override {
    bst_ulong nf = 0, dim = 0;
    const char** names = nullptr;
    const bst_ulong* s = nullptr;
    const float* sc = nullptr;
    XGB_CHECK(api.XGBoosterFeatureScore(booster, config.c_str(), &nf, &names, &dim, &s, &sc),
              "XGBoosterFeatureScore");
    features.assign(names, names + nf);
    shape.assign(s, s + dim);
    size_t n = 1;
    for (auto d : shape) n *= d;
    scores.assign(sc, sc + n);
    return "";
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object out = Napi::Object::New(env);
    Napi::Array f = Napi::Array::New(env, features.size());
    for (uint32_t i = 0; i < features.size(); ++i) f.Set(i, features[i]);
    Napi::Array sh = Napi::Array::New(env, shape.size());
    for (uint32_t i = 0; i < shape.size(); ++i) sh.Set(i, static_cast<double>(shape[i]));
    Napi::Float32Array v = Napi::Float32Array::New(env, scores.size());
    if (!scores.empty()) std::memcpy(v.Data(), scores.data(), scores.size() * sizeof(float));
    out.Set("features", f);
    out.Set("shape", sh);
    out.Set("scores", v);
    return out;
  }
};

// boosterFeatureScore(booster, configJson, lane?) -> { features, shape, scores }
Napi::Value BoosterFeatureScore(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto* job = new ScoreJob(env);
  std::unique_ptr<Job> guard(job);
  job->booster = GetHandle(info[0], Kind::Booster)->ptr;
  job->config = GetString(info[1], "feature score config");
  job->Keep(info[0]);
  guard.release();
  return Schedule(env, job, info[2]);
}

// boosterInfo(booster) -> { rounds, numFeatures, config (the JSON configuration) }
Napi::Value BoosterInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Handle* b = GetHandle(info[0], Kind::Booster);
  int rounds = 0;
  bst_ulong nf = 0, len = 0;
  const char* config = nullptr;
  ThrowIfFailed(env, api.XGBoosterBoostedRounds(b->ptr, &rounds), "XGBoosterBoostedRounds");
  ThrowIfFailed(env, api.XGBoosterGetNumFeature(b->ptr, &nf), "XGBoosterGetNumFeature");
  ThrowIfFailed(env, api.XGBoosterSaveJsonConfig(b->ptr, &len, &config), "XGBoosterSaveJsonConfig");
  Napi::Object out = Napi::Object::New(env);
  out.Set("rounds", rounds);
  out.Set("numFeatures", static_cast<double>(nf));
  out.Set("config", Napi::String::New(env, config, len));
  return out;
}

// ---- collective ------------------------------------------------------------------------------

struct CommJob : Job {
  enum Op { Init, Finalize };
  std::string config;
  Op op;
  bool init = false;
  int rank = 0, world = 0;
  using Job::Job;
  std::string Run() override {
    switch (op) {
      case Init:
        XGB_CHECK(api.XGCommunicatorInit(config.c_str()), "XGCommunicatorInit");
        rank = api.XGCommunicatorGetRank();
        world = api.XGCommunicatorGetWorldSize();
        break;
      case Finalize: XGB_CHECK(api.XGCommunicatorFinalize(), "XGCommunicatorFinalize"); break;
    }
    return "";
  }
  Napi::Value Result(Napi::Env env) override {
    if (!init) return env.Undefined();
    Napi::Object out = Napi::Object::New(env);
    out.Set("rank", rank);
    out.Set("worldSize", world);
    return out;
  }
};

// communicatorInit(configJson, lane) -> { rank, worldSize }; the communicator belongs to the lane's thread.
Napi::Value CommunicatorInit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireLoaded(env);
  if (!info[1].IsExternal()) throw Napi::TypeError::New(env, "communicatorInit needs a lane");
  auto* job = new CommJob(env);
  job->op = CommJob::Init;
  job->init = true;
  job->config = GetString(info[0], "communicator config");
  return Schedule(env, job, info[1]);
}

Napi::Value CommunicatorFinalize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireLoaded(env);
  if (!info[0].IsExternal()) throw Napi::TypeError::New(env, "communicatorFinalize needs a lane");
  auto* job = new CommJob(env);
  job->op = CommJob::Finalize;
  return Schedule(env, job, info[0]);
}

// trackerCreate(configJson) -> handle; e.g. {"n_workers":2,"host":"127.0.0.1","port":0,"sortby":1,"timeout":600}
Napi::Value TrackerCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireLoaded(env);
  std::string config = GetString(info[0], "tracker config");
  TrackerHandle out = nullptr;
  ThrowIfFailed(env, api.XGTrackerCreate(config.c_str(), &out), "XGTrackerCreate");
  return WrapHandle(env, out, Kind::Tracker);
}

// trackerRun(tracker): starts the tracker's own thread; returns the workers' communicator args (JSON).
Napi::Value TrackerRun(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Handle* t = GetHandle(info[0], Kind::Tracker);
  ThrowIfFailed(env, api.XGTrackerRun(t->ptr, "{}"), "XGTrackerRun");
  const char* args = nullptr;
  ThrowIfFailed(env, api.XGTrackerWorkerArgs(t->ptr, &args), "XGTrackerWorkerArgs");
  return Napi::String::New(env, args);
}

struct TrackerWaitJob : Job {
  TrackerHandle tracker;
  std::string config;
  using Job::Job;
  std::string Run() override {
    XGB_CHECK(api.XGTrackerWaitFor(tracker, config.c_str()), "XGTrackerWaitFor");
    return "";
  }
};

// trackerWaitFor(tracker, timeoutSeconds, lane?): resolves once every worker has finalized.
Napi::Value TrackerWaitFor(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto* job = new TrackerWaitJob(env);
  std::unique_ptr<Job> guard(job);
  job->tracker = GetHandle(info[0], Kind::Tracker)->ptr;
  job->config = "{\"timeout\":" + std::to_string(info[1].As<Napi::Number>().Int64Value()) + "}";
  job->Keep(info[0]);
  guard.release();
  return Schedule(env, job, info[2]);
}

// ---- Dead peers ------------------------------------------------------------------------------

// failSocket(fd): replaces the socket behind fd (dup2, so the number stays valid and its owner's later close is
// harmless) with one whose connection was reset, so that poll reports POLLERR and libxgboost fails the collective
// call waiting on it. A group that lost a member (kill -9) otherwise waits: the partners left wait on each other
// until their timeout, and one reading from the lost member's closed link spins (libxgboost treats an orderly
// close, POLLHUP and an empty read, as "nothing to read yet"). Returns whether fd was replaced.
Napi::Value FailSocket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  int client = socket(AF_INET, SOCK_STREAM, 0);
  int accepted = -1;
  bool replaced = false;
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (listener >= 0 && client >= 0 && bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      listen(listener, 1) == 0 && getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) == 0 &&
      connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      (accepted = accept(listener, nullptr, nullptr)) >= 0) {
    linger reset{1, 0};  // close with RST, not FIN
    setsockopt(accepted, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    close(accepted);
    pollfd p{client, POLLIN, 0};
    poll(&p, 1, 1000);  // the RST has arrived once the socket is readable
    fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK);
    replaced = dup2(client, fd) == fd;
  }
  if (listener >= 0) close(listener);
  if (client >= 0) close(client);
  return Napi::Boolean::New(env, replaced);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("load", Napi::Function::New(env, Load));
  exports.Set("createLane", Napi::Function::New(env, CreateLane));
  exports.Set("closeLane", Napi::Function::New(env, CloseLane));
  exports.Set("dmatrixFromDense", Napi::Function::New(env, DMatrixFromDense));
  exports.Set("dmatrixFromColumns", Napi::Function::New(env, DMatrixFromColumns));
  exports.Set("dmatrixSetInfo", Napi::Function::New(env, DMatrixSetInfo));
  exports.Set("setStrInfo", Napi::Function::New(env, SetStrInfo));
  exports.Set("dmatrixShape", Napi::Function::New(env, DMatrixShape));
  exports.Set("free", Napi::Function::New(env, FreeHandle));
  exports.Set("boosterCreate", Napi::Function::New(env, BoosterCreate));
  exports.Set("boosterSetParam", Napi::Function::New(env, BoosterSetParam));
  exports.Set("boosterUpdateOneIter", Napi::Function::New(env, BoosterUpdateOneIter));
  exports.Set("boosterEvalOneIter", Napi::Function::New(env, BoosterEvalOneIter));
  exports.Set("boosterPredict", Napi::Function::New(env, BoosterPredict));
  exports.Set("boosterSaveModel", Napi::Function::New(env, BoosterSaveModel));
  exports.Set("boosterLoadModel", Napi::Function::New(env, BoosterLoadModel));
  exports.Set("boosterFeatureScore", Napi::Function::New(env, BoosterFeatureScore));
  exports.Set("boosterInfo", Napi::Function::New(env, BoosterInfo));
  exports.Set("communicatorInit", Napi::Function::New(env, CommunicatorInit));
  exports.Set("communicatorFinalize", Napi::Function::New(env, CommunicatorFinalize));
  exports.Set("trackerCreate", Napi::Function::New(env, TrackerCreate));
  exports.Set("trackerRun", Napi::Function::New(env, TrackerRun));
  exports.Set("trackerWaitFor", Napi::Function::New(env, TrackerWaitFor));
  exports.Set("failSocket", Napi::Function::New(env, FailSocket));
  return exports;
}

}  // namespace

NODE_API_MODULE(quiver_xgboost, Init)
