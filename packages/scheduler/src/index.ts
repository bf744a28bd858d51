export { Scheduler, MAX_TASK_ATTEMPTS, type SchedulerOptions } from './scheduler.js';
export { ClusterClient, connectCluster, SchedulerUnavailableError, type StageSubmission } from './client.js';
