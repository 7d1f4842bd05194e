// stderr logging shaped like nym-client's tracing-subscriber "compact" output (nym.md §4.5):
// `<RFC3339 ts> <LEVEL> <file>:<line>: <message>`, ANSI colours even into pipes unless NO_COLOR,
// level from RUST_LOG (default info). Owns formatting only; callers decide what to say.

export type LogLevel = 'ERROR' | 'WARN' | 'INFO' | 'DEBUG' | 'TRACE';

const RANK: Record<LogLevel, number> = { ERROR: 1, WARN: 2, INFO: 3, DEBUG: 4, TRACE: 5 };
const COLOUR: Record<LogLevel, string> = { ERROR: '31', WARN: '33', INFO: '32', DEBUG: '34', TRACE: '35' };

/**
 * Source files the real messages come from (paths from nym.md §0/§4.5). The line numbers are
 * placeholders: the app must not depend on them, only on the message text.
 */
export const SRC = {
  nativeClient: ['clients/native/src/client/mod.rs', 95],
  baseClient: ['common/client-core/src/client/base_client/mod.rs', 600],
  listener: ['clients/native/src/websocket/listener.rs', 60],
  handler: ['clients/native/src/websocket/handler.rs', 140],
  mixTraffic: ['common/client-core/src/client/mix_traffic/mod.rs', 120],
  gatewayClient: ['common/client-libs/gateway-client/src/client/mod.rs', 300],
  replies: ['common/client-core/src/client/replies/reply_controller/receiver_controller.rs', 400],
  messageHandler: ['common/client-core/src/client/real_messages_control/message_handler.rs', 350],
  realTraffic: ['common/client-core/src/client/real_messages_control/real_traffic_stream.rs', 450],
  shutdown: ['common/task/src/cancellation/manager.rs', 150],
  cliRun: ['common/client-core/src/cli_helpers/client_run.rs', 70],
} as const satisfies Record<string, readonly [string, number]>;

export type SourceRef = (typeof SRC)[keyof typeof SRC];

function parseRustLog(value: string | undefined): LogLevel {
  if (!value) return 'INFO';
  // Only the bare global directive matters here ("warn", "nym_client=debug,info" → info).
  for (const directive of value.split(',')) {
    const level = directive.trim().toUpperCase();
    if (level === 'WARNING') return 'WARN';
    if (level === 'OFF') return 'ERROR';
    if (level in RANK) return level as LogLevel;
  }
  return 'INFO';
}

export class StandinLogger {
  private readonly max: number;
  private readonly colour: boolean;
  private readonly write: (text: string) => void;

  constructor(env: NodeJS.ProcessEnv, write: (text: string) => void = (text) => process.stderr.write(text)) {
    this.max = RANK[parseRustLog(env['RUST_LOG'])];
    // tracing-subscriber ≥ 0.3.18 honours a non-empty NO_COLOR; otherwise it colours pipes too.
    this.colour = !env['NO_COLOR'];
    this.write = write;
  }

  log(level: LogLevel, [file, line]: SourceRef, message: string): void {
    if (RANK[level] > this.max) return;
    const ts = new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
    const lvl = level.padStart(5);
    const text = this.colour
      ? `\x1b[2m${ts}\x1b[0m \x1b[${COLOUR[level]}m${lvl}\x1b[0m \x1b[2m${file}\x1b[0m\x1b[2m:\x1b[0m\x1b[2m${line}\x1b[0m\x1b[2m:\x1b[0m ${message}\n`
      : `${ts} ${lvl} ${file}:${line}: ${message}\n`;
    this.write(text);
  }

  error(src: SourceRef, message: string): void {
    this.log('ERROR', src, message);
  }
  warn(src: SourceRef, message: string): void {
    this.log('WARN', src, message);
  }
  info(src: SourceRef, message: string): void {
    this.log('INFO', src, message);
  }
  debug(src: SourceRef, message: string): void {
    this.log('DEBUG', src, message);
  }

  /** `eprintln!` lines such as "Starting client <id>..." are plain text, never coloured. */
  plain(message: string): void {
    this.write(`${message}\n`);
  }
}
