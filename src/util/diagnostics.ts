// winston, created on first use so commands that never log do not pay for loading it.
// Logs go to stderr (or --log-file); stdout carries only results.
import type { Logger } from 'winston';

let logger: Logger | undefined;
let level = process.env.PODRUN_LOG_LEVEL || 'warn';
let file: string | undefined;

export function configureLog(opts: { level?: string; file?: string }): void {
  if (opts.level) level = opts.level;
  if (opts.file) file = opts.file;
  logger = undefined;
}

const LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'];

/** Whether messages of `l` are logged: asking costs nothing, while log() loads winston. */
export function logEnabled(l: 'error' | 'warn' | 'info' | 'debug'): boolean {
  return LEVELS.indexOf(l) <= LEVELS.indexOf(level);
}

export function log(): Logger {
  if (!logger) {
    const winston = require('winston') as typeof import('winston');
    // `warning: ...` and `error: ...` as every other message of podrun's (and kubectl's) says them
    const fmt = winston.format.printf((i) => `${i.level === 'warn' ? 'warning' : i.level}: ${String(i.message)}`);
    logger = winston.createLogger({
      level,
      format: fmt,
      transports: file
        ? [new winston.transports.File({ filename: file })]
        : [new winston.transports.Console({ stderrLevels: Object.keys(winston.config.npm.levels) })],
    });
  }
  return logger;
}
