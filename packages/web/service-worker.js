/* global self, caches, __HANGAR_SHELL__ */
// Hangar's service worker: keeps the app shell (index.html, the hashed
// scripts and styles, icons) so the app starts fast and opens offline to its
// own "not reachable" screen. It never caches API or LLM traffic: those
// requests are not intercepted at all and go to the network as if there were
// no service worker. The build (vite.config.ts) fills in the two constants.

const VERSION = '__HANGAR_VERSION__';
/** Paths fetched on install: the shell the first page needs. */
const SHELL = __HANGAR_SHELL__;
const CACHE = `hangar-shell-${VERSION}`;

/** Paths the worker must never answer from a cache. */
function isPassThrough(url) {
  const path = url.pathname;
  return (
    path === '/api' ||
    path.startsWith('/api/') ||
    path === '/llm' ||
    path.startsWith('/llm/') ||
    path === '/sw.js'
  );
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys
            .filter((key) => key.startsWith('hangar-shell-') && key !== CACHE)
            .map((key) => caches.delete(key)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || isPassThrough(url)) return;

  // Page loads: the network first (a new deploy shows at once), the cached shell when offline.
  if (request.mode === 'navigate') {
    event.respondWith(
      fetch(request).catch(() => caches.match('/index.html').then((hit) => hit ?? Response.error())),
    );
    return;
  }
  // Hashed assets never change: the cache first; lazy chunks join it as they load.
  if (url.pathname.startsWith('/assets/')) {
    event.respondWith(
      caches.match(request).then(
        (hit) =>
          hit ??
          fetch(request).then((response) => {
            if (response.ok) {
              const copy = response.clone();
              void caches.open(CACHE).then((cache) => cache.put(request, copy));
            }
            return response;
          }),
      ),
    );
    return;
  }
  // Icons and the manifest: the cache when it has them.
  if (SHELL.includes(url.pathname)) {
    event.respondWith(caches.match(request).then((hit) => hit ?? fetch(request)));
  }
});
