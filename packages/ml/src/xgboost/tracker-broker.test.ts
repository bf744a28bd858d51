// The driver's tracker broker: every attempt of a barrier training stage gets its own tracker.
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  Booster, communicatorFinalize, communicatorInit, DMatrix, Lane, loadXGBoost,
} from './native.js';
import { askTracker, reportFailure, TrackerBroker } from './tracker-broker.js';

const ROWS = 200, COLS = 4;
const x = Float32Array.from({ length: ROWS * COLS }, (_, i) => ((i * 7919) % 101) / 101);
const y = Float32Array.from({ length: ROWS }, (_, i) => (x[i * COLS]! + x[i * COLS + 1]! > 1 ? 1 : 0));

/** One worker of a 2-worker group: joins `attempt`'s tracker and trains 3 rounds, or fails and leaves the group. */
async function worker(broker: string, attempt: number, task: number, fail: boolean): Promise<Uint8Array> {
  const lane = new Lane();
  try {
    await communicatorInit(await askTracker(broker, attempt), task, lane);
    try {
      if (fail) throw new Error('task failed');
      const half = ROWS / 2;
      const dm = await DMatrix.fromDense(x.subarray(task * half * COLS, (task + 1) * half * COLS), half, COLS, { lane });
      dm.setLabel(y.subarray(task * half, (task + 1) * half));
      const b = Booster.create([dm], { objective: 'binary:logistic', tree_method: 'hist', nthread: 1 });
      for (let i = 0; i < 3; i++) await b.updateOneIter(i, dm, lane);
      return await b.save('ubj', lane);
    } finally {
      await communicatorFinalize(lane).catch(() => undefined);
    }
  } finally {
    lane.close();
  }
}

describe('TrackerBroker', () => {
  it('a failed attempt\'s partner errors instead of waiting, and the rerun joins a fresh tracker', async () => {
    loadXGBoost();
    const broker = await TrackerBroker.start(2, { timeoutSeconds: 60 });
    try {
      const first = await Promise.allSettled([worker(broker.address, 0, 0, false), worker(broker.address, 0, 1, true)]);
      expect(first.map((r) => r.status)).toEqual(['rejected', 'rejected']);
      const port0 = (await askTracker(broker.address, 0)).dmlc_tracker_port;
      const second = await Promise.all([worker(broker.address, 1, 0, false), worker(broker.address, 1, 1, false)]);
      expect(Buffer.compare(second[0], second[1])).toBe(0);
      expect((await askTracker(broker.address, 1)).dmlc_tracker_port).not.toBe(port0);
      await expect(askTracker(broker.address, 0)).rejects.toThrow('tracker broker: attempt 0 of the training stage is over (attempt 1 runs now)');
      await broker.wait();
    } finally {
      broker.close();
    }
  });

  it('a worker whose partner never joins fails after the timeout instead of waiting forever', async () => {
    loadXGBoost();
    const broker = await TrackerBroker.start(2, { timeoutSeconds: 2 });
    try {
      const started = Date.now();
      await expect(worker(broker.address, 0, 0, false)).rejects.toThrow('Failed to bootstrap the communication group');
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      broker.close();
    }
  });

  it('names the task that failed first when the job reports a partner that failed after it', async () => {
    const broker = await TrackerBroker.start(3);
    try {
      await askTracker(broker.address, 0);
      // The cause reports before it leaves the group; the partners' collective calls break after that.
      await reportFailure(broker.address, { attempt: 0, partition: 2, joined: true, message: "weightCol 'w' is null in row 8 of partition 2; XGBoost needs a value in every row" });
      await reportFailure(broker.address, { attempt: 0, partition: 1, joined: true, message: 'XGDMatrixCreateFromDense: Ring allgather failed' });
      await reportFailure(broker.address, { attempt: 0, partition: 0, joined: true, message: 'XGDMatrixCreateFromDense: Ring allgather failed' });
      expect(broker.causeOf('Task 1.1 failed (4 attempts): XGDMatrixCreateFromDense: Ring allgather failed')).toEqual({
        attempt: 0, partition: 2, message: "weightCol 'w' is null in row 8 of partition 2; XGBoost needs a value in every row",
      });
      // The job already names the cause, or failed for a reason no task reported: nothing to add.
      expect(broker.causeOf("Task 1.2 failed (4 attempts): weightCol 'w' is null in row 8 of partition 2; XGBoost needs a value in every row")).toBeNull();
      expect(broker.causeOf('A barrier stage needs all 3 tasks to run at once, but the cluster has 2 task slots now')).toBeNull();
      // A later attempt's failures replace the earlier ones.
      await askTracker(broker.address, 1);
      expect(broker.causeOf('Task 1.1 failed (4 attempts): XGDMatrixCreateFromDense: Ring allgather failed')).toBeNull();
    } finally {
      broker.close();
    }
  });

  it('a failure before the group formed frees the attempt\'s tracker; one after leaves it for the partners to leave through', async () => {
    const broker = await TrackerBroker.start(3);
    try {
      const port0 = Number((await askTracker(broker.address, 0)).dmlc_tracker_port);
      await reportFailure(broker.address, { attempt: 0, partition: 1, joined: true, message: 'XGBoosterUpdateOneIter: Poll error' });
      expect(await listening(port0)).toBe(true);
      const port1 = Number((await askTracker(broker.address, 1)).dmlc_tracker_port);
      expect(await listening(port0)).toBe(false); // the next attempt replaced it
      await reportFailure(broker.address, { attempt: 1, partition: 2, joined: false, message: 'Task of stage 1 attempt 1 killed: its partner was lost' });
      expect(await listening(port1)).toBe(false);
      await expect(askTracker(broker.address, 1)).rejects.toThrow('tracker broker: attempt 1 of the training stage already failed, in partition 2');
    } finally {
      broker.close();
    }
  });
});

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('connect', () => { socket.destroy(); resolve(true); });
    socket.on('error', () => resolve(false));
  });
}
