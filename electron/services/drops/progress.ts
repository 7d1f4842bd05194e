// One upload's progress as the server reports it to the service. Its own module so the multipart
// and resumable paths share it without importing each other.
import type { StoredFile } from './storage';

export interface UploadProgress {
  id: string;
  receivedAt: number;
  state: 'receiving' | 'complete' | 'incomplete';
  /** Request bytes read so far, against Content-Length when the browser sent one. */
  received: number;
  expected: number | null;
  /** Bytes of file and message content written to disk. */
  stored: number;
  files: StoredFile[];
  reason: string | null;
}
