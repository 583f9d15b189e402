// `console [--port N]`: the web console on 127.0.0.1. Its first stdout line is the URL to open, with
// a one-time token; the server's log goes to stderr. Ctrl-C cancels the runs in progress and stops.
import { CredentialStore } from '../credential-store';
import { startConsole } from '../console/server';
import { EXIT } from '../exit-codes';
import { Session } from '../session';

export async function runConsole(session: Session, opts: { port?: number }): Promise<number> {
  const store = new CredentialStore();
  const server = await startConsole({
    loaded: session.loaded,
    store,
    port: opts.port,
    redactor: session.redactor,
    limiters: session.limiters,
    context: (extra) => session.context(extra),
    log: (line) => process.stderr.write(`[console] ${line}\n`),
  });
  process.stdout.write(`${server.loginUrl}\n`);
  process.stderr.write(
    `console listening on ${server.origin}: open the URL above once (its token works one time),\n` +
      `credentials and the runs' history are in ${store.dir} (Ctrl-C to stop)\n`
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  process.stderr.write('stopping the console (runs in progress are cancelled)\n');
  await server.close();
  return EXIT.OK;
}
