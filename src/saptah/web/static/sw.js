/* Saptah's service worker: the app shell, pages already opened and every module of the native courses the learner
   is enrolled in (fetched ahead) stay readable offline, and time-on-task pings and "done" marks made offline are
   kept on the device and sent, as they were made, when the connection returns. Served as /sw.js (scope "/"). */
"use strict";

const SHELL_CACHE = "saptah-shell-v1";
const PAGE_CACHE = "saptah-pages-v1";
const SHELL = ["/offline", "/static/saptah.css", "/static/saptah.js", "/static/icons/icon-192.png",
  "/fonts/NotoSans.ttf", "/fonts/NotoSansDevanagari.ttf"];
// Form posts that may wait for the connection: the player's time-on-task ping and a module's "done" mark.
const QUEUEABLE = /^\/learn\/\d+\/(ping|modules\/\d+\/done)$/;
const NEVER_CACHED = /^\/(sign-in|sign-out|set-password|forgot-password|lang|offline|tokens)(\/|$)/;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const keep = [SHELL_CACHE, PAGE_CACHE];
    for (const key of await caches.keys()) { if (!keep.includes(key)) { await caches.delete(key); } }
    await self.clients.claim();
    await flush();
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method === "POST" && QUEUEABLE.test(url.pathname)) { event.respondWith(sendOrKeep(request, url)); return; }
  if (request.method !== "GET") { return; }
  if (url.pathname.startsWith("/static/") || url.pathname.startsWith("/fonts/")) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
    return;
  }
  if (request.mode === "navigate") { event.respondWith(page(request, url)); }
});

async function page(request, url) {
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected && !NEVER_CACHED.test(url.pathname)
        && (response.headers.get("content-type") || "").startsWith("text/html")) {
      const cache = await caches.open(PAGE_CACHE);
      await cache.put(request, response.clone());
    }
    if (response.redirected && new URL(response.url).pathname === "/sign-in") { await forget(); }
    return response;
  } catch (err) {
    const cached = await caches.match(request, {cacheName: PAGE_CACHE});
    return cached || (await caches.match("/offline", {cacheName: SHELL_CACHE})) || Response.error();
  }
}

async function sendOrKeep(request, url) {
  const body = await request.clone().text();
  const type = request.headers.get("content-type") || "application/x-www-form-urlencoded";
  try {
    const response = await fetch(request);
    flush();  // the connection is back: send whatever waited
    return response;
  } catch (err) {
    // a ping says when it was made, so it is judged as it would have been then (catalog.learning.ping)
    const kept = url.pathname.endsWith("/ping") ? body + "&kept_at=" + Date.now() : body;
    await keep({url: url.pathname, body: kept, type: type, at: Date.now()});
    if (self.registration.sync) { self.registration.sync.register("saptah-outbox").catch(() => {}); }
    if (url.pathname.endsWith("/ping")) {
      return new Response(JSON.stringify({queued: true}), {status: 202, headers: {"content-type": "application/json"}});
    }
    const course = url.pathname.split("/")[2];
    return Response.redirect("/offline?kept=1&course=" + encodeURIComponent(course), 303);
  }
}

self.addEventListener("sync", (event) => { if (event.tag === "saptah-outbox") { event.waitUntil(flush()); } });

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "flush") { event.waitUntil(flush()); }
  if (data.type === "forget") { event.waitUntil(forget()); }
  if (data.type === "keep-pages" && Array.isArray(data.urls)) { event.waitUntil(keepPages(data.urls)); }
  if (data.type === "keep-enrolled") { event.waitUntil(keepEnrolled()); }
});

/* The player pages of the learner's unfinished native courses (catalog.learning.offline_pages), fetched ahead. */
async function keepEnrolled() {
  let urls;
  try {
    const response = await fetch("/learn/offline.json", {credentials: "same-origin", cache: "no-store"});
    if (!response.ok || response.redirected) { return; }
    urls = (await response.json()).urls;
  } catch (err) { return; }  // offline: what is kept stays kept
  if (Array.isArray(urls)) { await keepPages(urls); }
}

async function keepPages(urls) {
  const cache = await caches.open(PAGE_CACHE);
  for (const href of urls.slice(0, 100)) {
    const url = new URL(href, self.location.origin);
    if (url.origin !== self.location.origin || NEVER_CACHED.test(url.pathname)) { continue; }
    try {
      // fetched ahead, not opened: the player records no resume point for it (catalog.pages.PREFETCH_HEADER)
      const response = await fetch(url, {credentials: "same-origin", headers: {"X-Saptah-Prefetch": "1"}});
      if (response.ok && !response.redirected) { await cache.put(url, response); }
    } catch (err) { return; }
  }
  const clients = await self.clients.matchAll();
  for (const client of clients) { client.postMessage({type: "kept", count: urls.length}); }
}

async function forget() {
  await caches.delete(PAGE_CACHE);
  const db = await outbox();
  await done(db.transaction("posts", "readwrite").objectStore("posts").clear());
}

/* The outbox: posts kept in IndexedDB until they can be sent. */
function outbox() {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open("saptah-outbox", 1);
    open.onupgradeneeded = () => open.result.createObjectStore("posts", {keyPath: "id", autoIncrement: true});
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
}

function done(request) {
  return new Promise((resolve, reject) => { request.onsuccess = () => resolve(request.result); request.onerror = () => reject(request.error); });
}

async function keep(post) {
  const db = await outbox();
  await done(db.transaction("posts", "readwrite").objectStore("posts").add(post));
}

let flushing = null;
function flush() {
  flushing = flushing || sendKept().finally(() => { flushing = null; });
  return flushing;
}

async function sendKept() {
  const db = await outbox();
  const posts = await done(db.transaction("posts").objectStore("posts").getAll());
  for (const post of posts) {
    let response;
    try {
      response = await fetch(post.url, {method: "POST", body: post.body, headers: {"content-type": post.type},
        credentials: "same-origin", redirect: "manual"});
    } catch (err) {
      return;  // still offline: try again later
    }
    // sent (or refused by the rules, which a retry would not change): either way it leaves the outbox
    if (response.status < 500) { await done(db.transaction("posts", "readwrite").objectStore("posts").delete(post.id)); }
  }
}
