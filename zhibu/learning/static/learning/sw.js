// The offline helper of the learning pages, served at /learning/sw.js with the scope /learning/.
// The player asks it (a message) to keep a lesson: the player page, the whole media file and the
// page's scripts and styles go into one named cache. Then:
// - a media request for a kept file is answered from the cache, a Range request with 206 and the
//   slice asked for (a phone seeking in the lesson uses no data);
// - page navigations go to the network first, falling back to the kept page when offline (a kept
//   page is refreshed whenever the network answers);
// - other requests go to the network, falling back to a kept copy (the page's scripts and styles).
// "remove" deletes a lesson's page and media from the cache.
"use strict";

var CACHE = "zhibu-learning-v1";
var MEDIA = /\/learning\/lessons\/\d+\/media\/$/;

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

function key(url) {
  var parsed = new URL(url, self.location.href);
  return parsed.origin + parsed.pathname;
}

function fetchWhole(url) {
  return fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
    // A signed-out session is sent to the login page: that is no copy of the lesson.
    if (response.status !== 200 || response.redirected) throw new Error(url + " answered " + response.status);
    return response;
  });
}

function save(message) {
  return caches.open(CACHE).then(function (cache) {
    var required = [message.page];
    if (message.media) required.push(message.media);
    return Promise.all(
      required.map(function (url) {
        return fetchWhole(url).then(function (response) {
          return cache.put(key(url), response);
        });
      })
    ).then(function () {
      return Promise.all(
        (message.assets || []).map(function (url) {
          return fetchWhole(url)
            .then(function (response) {
              return cache.put(url, response);
            })
            .catch(function () {
              /* a missing style is no reason to refuse the lesson */
            });
        })
      );
    });
  });
}

function remove(urls) {
  return caches.open(CACHE).then(function (cache) {
    return Promise.all(
      urls.map(function (url) {
        return cache.delete(key(url));
      })
    );
  });
}

self.addEventListener("message", function (event) {
  var message = event.data || {};
  var port = event.ports && event.ports[0];
  var work;
  if (message.type === "save") work = save(message);
  else if (message.type === "remove") work = remove(message.urls || []);
  else return;
  event.waitUntil(
    work.then(
      function () {
        if (port) port.postMessage({ ok: true, type: message.type });
      },
      function () {
        if (port) port.postMessage({ ok: false, type: message.type });
      }
    )
  );
});

function partial(blob, header, type) {
  var size = blob.size;
  var found = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  var start = null;
  var end = size - 1;
  if (found && found[1]) {
    start = Number(found[1]);
    if (found[2]) end = Math.min(Number(found[2]), size - 1);
  } else if (found && found[2] && Number(found[2]) > 0) {
    start = Math.max(0, size - Number(found[2]));
  }
  if (start === null || start > end || start >= size) {
    return new Response(null, { status: 416, headers: { "Content-Range": "bytes */" + size } });
  }
  return new Response(blob.slice(start, end + 1, type), {
    status: 206,
    headers: {
      "Content-Type": type,
      "Content-Length": String(end - start + 1),
      "Content-Range": "bytes " + start + "-" + end + "/" + size,
      "Accept-Ranges": "bytes",
    },
  });
}

function mediaResponse(request) {
  return caches.match(key(request.url), { cacheName: CACHE }).then(function (hit) {
    if (!hit) return fetch(request);
    var range = request.headers.get("Range");
    if (!range) return hit;
    var type = hit.headers.get("Content-Type") || "application/octet-stream";
    return hit.blob().then(function (blob) {
      return partial(blob, range, type);
    });
  });
}

function pageResponse(event) {
  var request = event.request;
  return fetch(request).then(
    function (response) {
      if (response.status === 200 && !response.redirected) {
        var copy = response.clone();
        event.waitUntil(
          caches.open(CACHE).then(function (cache) {
            return cache.match(key(request.url)).then(function (kept) {
              if (kept) return cache.put(key(request.url), copy);
            });
          })
        );
      }
      return response;
    },
    function () {
      return caches.match(key(request.url), { cacheName: CACHE }).then(function (kept) {
        return kept || Response.error();
      });
    }
  );
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(pageResponse(event));
  } else if (MEDIA.test(url.pathname)) {
    event.respondWith(mediaResponse(request));
  } else {
    event.respondWith(
      fetch(request).catch(function () {
        return caches.match(request, { cacheName: CACHE }).then(function (kept) {
          return kept || Response.error();
        });
      })
    );
  }
});
