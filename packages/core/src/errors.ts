/** Raised while resolving a plan: unknown column, wrong type, bad argument. Thrown before any task runs. */
export class AnalysisError extends Error {
  override name = 'AnalysisError';
}

/** Raised while reading input: malformed rows, missing or corrupt files. Names the file and line or column. */
export class InputError extends Error {
  override name = 'InputError';
}

/** Raised by a task while executing; carries the original stack when it comes from another thread or process. */
export class ExecutionError extends Error {
  override name = 'ExecutionError';
  constructor(message: string, readonly remoteStack?: string) {
    super(message);
    if (remoteStack) this.stack = `${this.name}: ${message}\n    --- remote stack ---\n${remoteStack}`;
  }
}
