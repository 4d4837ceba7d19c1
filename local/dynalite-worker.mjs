// The embedded DynamoDB's own thread: dynalite (its HTTP server, validation and LevelDB) runs here, so the
// store and the collector that writes to it each have a core, as DynamoDB and its client do in AWS.
// Plain JavaScript: a worker loads its file with Node's own loader, whatever runs the parent (tsx, jest).
import { readlinkSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import dynalite from 'dynalite';
import { Level } from 'level';

const { directory, create } = workerData;
// dynalite opens LevelDB lazily and a failure to open (the store is another process's) would surface as a
// crash on the first request: open it once first, so the caller hears why at start. Only a writer may create
// the store: LevelDB's create-if-missing would also replace a store that lost its CURRENT file by an empty one
// (and delete its table files). dynalite's own open (create-if-missing) then finds the store this one opened.
if (directory) {
  const probe = new Level(directory, { createIfMissing: create === true });
  try {
    await probe.open();
  } catch (error) {
    parentPort.postMessage({ type: 'error', code: error.cause?.code ?? error.code, message: error.cause?.message ?? error.message });
    process.exit(1);
  }
  await probe.close();
}
const server = dynalite({ ...(directory ? { path: directory } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.once('error', (error) => parentPort.postMessage({ type: 'error', message: error.message }));
// DynamoDB's endpoints keep an idle connection open for about a minute; Node's default 5 s closed connections the
// store client's keep-alive pool (160 sockets) was about to reuse. With this thread and the collector's busy (a loaded
// CI), the pool handed out sockets whose close it had not read yet, every attempt of a call met one, and the call
// failed with "socket hang up" after its 8 attempts: the flaky failed tasks of issue 16.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
// The thread's id in the kernel (Linux), so the parent can read the CPU this thread really used.
const threadId = (() => {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return undefined;
  }
})();
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ type: 'listening', port: server.address().port, threadId }));
parentPort.on('message', (message) => {
  if (message.type !== 'close') return;
  // Closes the HTTP server and the LevelDB under it; the worker then ends.
  server.close((error) => {
    parentPort.postMessage({ type: 'closed', ...(error ? { message: error.message } : {}) });
    parentPort.close();
  });
  server.closeAllConnections?.();
});
