// A small promise wrapper over IndexedDB: the field app's one database, holding the outbox
// (actions waiting to be sent, photos included as blobs), which must survive closing the app
// while offline. Records are kept in the order they were added (`seq`).

const NAME = "binhyen-field";
const VERSION = 1;
export const OUTBOX = "outbox";

let opening = null;

function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const req = indexedDB.open(NAME, VERSION);
      req.onupgradeneeded = () => req.result.createObjectStore(OUTBOX, { keyPath: "seq", autoIncrement: true });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => {
        opening = null;
        reject(req.error);
      };
    });
  }
  return opening;
}

async function run(store, mode, fn) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(store, mode);
    const req = fn(tx.objectStore(store));
    tx.oncomplete = () => resolve(req?.result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

/** Every record of `store`, oldest first. */
export function all(store) {
  return run(store, "readonly", (s) => s.getAll());
}

/** Adds or replaces a record; resolves to its `seq`. */
export function put(store, value) {
  return run(store, "readwrite", (s) => s.put(value));
}

/** Deletes the records with these keys. */
export function remove(store, ...keys) {
  return run(store, "readwrite", (s) => {
    for (const key of keys) s.delete(key);
  });
}

/** Deletes every record of `store`. */
export function clear(store) {
  return run(store, "readwrite", (s) => s.clear());
}
