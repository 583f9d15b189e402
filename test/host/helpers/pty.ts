// Runs a command under a pseudo-terminal without a native addon: util-linux's `script` (package
// bsdutils, which Debian marks Essential, so it is on every Debian machine). The command's stdin,
// stdout and stderr are then a terminal unless the command line redirects them.
import { runProcess, type CliResult, type RunOptions } from '../../helpers/cli';

/** Single-quotes a word for sh. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs `command` (a sh command line) on a terminal; `input` is typed into it (end it with \x04, Ctrl-D,
 * to end the command's stdin). The result's stdout is what the terminal showed.
 */
export function runInPty(command: string, opts: RunOptions = {}): Promise<CliResult> {
  return runProcess('script', ['-qfec', command, '/dev/null'], opts);
}

/** The terminal's text without colours and cursor movements, and with \n line ends. */
export function plainText(screen: string): string {
  // eslint-disable-next-line no-control-regex
  return screen.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
}
