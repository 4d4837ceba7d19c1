// The embedded DynamoDB's own thread: dynalite (its HTTP server, validation and LevelDB) runs here, so the
// store and the collector that writes to it each have a core, as DynamoDB and its client do in AWS.
// Plain JavaScript: a worker loads its file with Node's own loader, whatever runs the parent (tsx, jest).
import { parentPort, workerData } from 'node:worker_threads';
import dynalite from 'dynalite';

const { directory } = workerData;
const server = dynalite({ ...(directory ? { path: directory } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.once('error', (error) => parentPort.postMessage({ type: 'error', message: error.message }));
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ type: 'listening', port: server.address().port }));
parentPort.on('message', (message) => {
  if (message.type !== 'close') return;
  // Closes the HTTP server and the LevelDB under it; the worker then ends.
  server.close((error) => {
    parentPort.postMessage({ type: 'closed', ...(error ? { message: error.message } : {}) });
    parentPort.close();
  });
  server.closeAllConnections?.();
});
