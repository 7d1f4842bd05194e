// Typed supervisor errors; the code is the stable IPC ErrorCode the UI shows.
import { ServiceError } from '../util/service-error';

export class SupervisorError extends ServiceError {}
