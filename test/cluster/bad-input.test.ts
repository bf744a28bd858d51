/**
 * Bad input to the cluster's services: a malformed gRPC message, an unknown job id, a worker id registered
 * twice, and a driver that dies mid-job, killed or stopped with Ctrl-C in `bin/quiver submit` (its job is
 * cancelled and its blocks freed).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grpc, makeClient, unary } from '@quiver/proto/grpc';
import { TestCluster, startProcess } from './harness.js';

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await TestCluster.start({ workers: 2, workerEnv: { QUIVER_TEST_TASK_DELAY_MS: '300' } });
});

afterAll(async () => {
  await cluster?.stop();
});

const schedulerClient = () => makeClient('Scheduler', cluster.address);

describe('scheduler RPCs', () => {
  it('answer a malformed message with INTERNAL and keep serving', async () => {
    const Raw = grpc.makeGenericClientConstructor({
      RunStage: {
        path: '/quiver.Scheduler/RunStage', requestStream: false, responseStream: false,
        requestSerialize: (b: Buffer) => b, requestDeserialize: (b: Buffer) => b,
        responseSerialize: (b: Buffer) => b, responseDeserialize: (b: Buffer) => b,
      },
    }, 'Raw');
    const raw = new Raw(cluster.address, grpc.credentials.createInsecure()) as grpc.Client & Record<string, any>;
    // Field 1 declared as a string with a length running past the end of the message.
    const err = await unary(raw, 'RunStage', Buffer.from([0x0a, 0xff, 0xff, 0x01, 0x41])).then(() => null, (e) => e);
    raw.close();
    expect(err?.code).toBe(grpc.status.INTERNAL);
    const c = schedulerClient();
    const info = await unary(c, 'GetClusterInfo', {});
    c.close();
    expect(info.totalCores).toBe(2);
  });

  it('answer an unknown job id with NOT_FOUND naming it', async () => {
    const c = schedulerClient();
    for (const method of ['GetJobStatus', 'CancelJob', 'CloseJob']) {
      const err = await unary(c, method, { jobId: 'no-such-job' }).then(() => null, (e) => e);
      expect(err?.code).toBe(grpc.status.NOT_FOUND);
      expect(err?.details).toBe("Unknown job id 'no-such-job'");
    }
    c.close();
  });

  it('refuse a stage that reads a stage never submitted', async () => {
    const c = schedulerClient();
    const err = await unary(c, 'RunStage', { jobId: 'j-bad', stageId: 1, numTasks: 1, dependsOn: [0], stage: new Uint8Array(0) }).then(() => null, (e) => e);
    c.close();
    expect(err?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err?.details).toMatch(/reads stage 0, which was never submitted/);
  });
});

describe('worker registration', () => {
  it('refuses a second live worker with the same id, over RPC and from bin/quiver worker', async () => {
    const id = cluster.scheduler.logs.find((l) => l.msg === 'worker registered')!.worker;
    const c = schedulerClient();
    const err = await unary(c, 'RegisterWorker', { workerId: id, address: '127.0.0.1:1', cores: 1 }).then(() => null, (e) => e);
    c.close();
    expect(err?.code).toBe(grpc.status.ALREADY_EXISTS);
    expect(err?.details).toMatch(new RegExp(`Worker '${id}' is already registered`));

    const dup = startProcess(['worker', '--scheduler', cluster.address, '--id', id, '--cores', '1']);
    expect(await dup.exited).toBe(1);
    expect(dup.logs.some((l) => /refused worker .*already registered/.test(l.msg ?? ''))).toBe(true);
    const info = await unary(schedulerClient(), 'GetClusterInfo', {});
    expect(info.workers.length).toBe(2);
  });
});

describe('a driver that dies mid-job', () => {
  it('gets its job cancelled and its blocks dropped on every worker', async () => {
    const driver = spawn(process.execPath, [join(import.meta.dirname, 'dying-driver.mjs'), cluster.master], { stdio: 'ignore' });
    const exited = new Promise((resolve) => driver.on('exit', resolve));
    const started = await cluster.scheduler.waitFor((l) => l.msg === 'job started');
    await cluster.waitForWorker((l) => l.msg === 'task started' && l.jobId === started.job);
    driver.kill('SIGKILL');
    await exited;
    const stopped = await cluster.scheduler.waitFor((l) => l.msg === 'job stopped' && l.job === started.job);
    expect(stopped).toMatchObject({ state: 'CANCELLED', error: 'the driver disconnected' });
    for (const w of cluster.workers.filter((p) => p.child.exitCode === null)) {
      await w.waitFor((l) => l.msg === 'blocks dropped' && l.prefix === `${started.job}/`);
    }
    const c = schedulerClient();
    const status = await unary(c, 'GetJobStatus', { jobId: started.job });
    c.close();
    expect(status.state).toBe(3); // CANCELLED
  });
});

describe('Ctrl-C in bin/quiver submit while a job runs', () => {
  it('stops the script, cancels its job and frees its blocks on every worker', async () => {
    const cli = join(import.meta.dirname, '..', '..', 'bin', 'quiver.mjs');
    const script = join(import.meta.dirname, 'dying-driver.mjs');
    // Its own process group, as a shell gives a foreground job: the terminal's Ctrl-C signals the whole group.
    const submit = spawn(process.execPath, [cli, 'submit', script, '--master', cluster.master, '--', cluster.master], { stdio: 'ignore', detached: true });
    const exited = new Promise<[number | null, string | null]>((resolve) => submit.on('exit', (code, signal) => resolve([code, signal])));
    const before = new Set(cluster.scheduler.logs.filter((l) => l.msg === 'job started').map((l) => l.job));
    const started = await cluster.scheduler.waitFor((l) => l.msg === 'job started' && !before.has(l.job));
    await cluster.waitForWorker((l) => l.msg === 'task started' && l.jobId === started.job);
    process.kill(-submit.pid!, 'SIGINT');
    expect(await exited).toEqual([null, 'SIGINT']);
    const stopped = await cluster.scheduler.waitFor((l) => l.msg === 'job stopped' && l.job === started.job);
    expect(stopped).toMatchObject({ state: 'CANCELLED', error: 'the driver disconnected' });
    for (const w of cluster.workers.filter((p) => p.child.exitCode === null)) {
      await w.waitFor((l) => l.msg === 'blocks dropped' && l.prefix === `${started.job}/`);
    }
  });
});
