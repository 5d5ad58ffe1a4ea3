// The lesson player, a 随身听 on the phone. It resumes at the position the server keeps (or at a
// newer one this device made offline), reports the position every 5 seconds while playing, on
// pause, on seeking and when the page is hidden, each report stamped with the device clock at the
// moment the position was read. A report that cannot be sent waits in localStorage (the newest per
// lesson) and goes when the phone is back online or at the next load. Playback is the plain media
// element with Media Session handlers, so it goes on with the screen off; no timer drives it.
(function () {
  "use strict";
  var root = document.getElementById("player");
  if (!root) return;
  var data = root.dataset;
  var lessonId = data.lesson;
  var media = document.getElementById("media");
  var status = document.getElementById("status");
  var records = data.records === "1";
  var CACHE = "zhibu-learning-v1";
  // Whatever waits or resumes belongs to the member signed in, never to the phone.
  var QUEUE = "zhibu.learning.queue." + data.user;
  var LAST = "zhibu.learning.last." + data.user + "." + lessonId;
  var SPEED = "zhibu.learning.speed";
  var AUTO = "zhibu.learning.autonext";
  var REPORT_EVERY_MS = 5000;

  function say(text) {
    if (status && text && status.textContent !== text) status.textContent = text;
  }
  function read(key, fallback) {
    try {
      var value = window.localStorage.getItem(key);
      return value === null ? fallback : JSON.parse(value);
    } catch (error) {
      return fallback;
    }
  }
  function write(key, value) {
    try {
      window.localStorage.setItem(key, JSON.stringify(value));
    } catch (error) {
      /* storage full or off: the report is simply not kept */
    }
  }
  function csrf() {
    var found = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return found ? decodeURIComponent(found[1]) : data.csrf;
  }

  // Sending and the offline queue

  function send(url, body) {
    return window
      .fetch(url, {
        method: "POST",
        keepalive: true,
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
        body: JSON.stringify(body),
      })
      .then(
        function (response) {
          if (response.status >= 500) return "retry";
          return response.ok ? "ok" : "refused";
        },
        function () {
          return "retry";
        }
      );
  }
  function queue() {
    return read(QUEUE, {});
  }
  function enqueue(id, entry) {
    var waiting = queue();
    var old = waiting[id];
    if (!old || old.body.reported_at <= entry.body.reported_at) {
      waiting[id] = entry;
      write(QUEUE, waiting);
    }
  }
  function dequeue(id, entry) {
    var waiting = queue();
    if (waiting[id] && waiting[id].body.reported_at === entry.body.reported_at) {
      delete waiting[id];
      write(QUEUE, waiting);
    }
  }
  var flushing = false;
  function flush() {
    var waiting = queue();
    var ids = Object.keys(waiting);
    if (flushing || !ids.length) return;
    flushing = true;
    var synced = false;
    var chain = Promise.resolve();
    ids.forEach(function (id) {
      var entry = waiting[id];
      chain = chain.then(function () {
        return send(entry.url, entry.body).then(function (result) {
          if (result === "retry") return;
          dequeue(id, entry);
          if (result === "ok") synced = true;
        });
      });
    });
    chain.then(function () {
      flushing = false;
      if (synced && !queue()[lessonId]) say(data.textSynced);
      root.dataset.queued = Object.keys(queue()).length ? "1" : "";
    });
  }

  var lastPosition = null;
  function report(done) {
    if (!records) return Promise.resolve();
    var position = media ? media.currentTime : 0;
    if (!isFinite(position)) return Promise.resolve();
    position = Math.round(position * 10) / 10;
    if (!done && position === lastPosition) return Promise.resolve();
    lastPosition = position;
    var body = { position_seconds: position, reported_at: new Date().toISOString(), done: !!done };
    var entry = { url: data.progressUrl, body: body };
    write(LAST, body);
    return send(entry.url, body).then(function (result) {
      if (result === "ok") {
        say(done ? data.textFinished : data.textSaved);
        flush();
      } else if (result === "retry") {
        enqueue(lessonId, entry);
        root.dataset.queued = "1";
        say(data.textQueued);
      } else {
        say(data.textRefused);
      }
      return result;
    });
  }

  window.addEventListener("online", flush);
  flush();

  // Marking a text lesson or a linked video finished

  var markDone = document.getElementById("mark-done");
  if (markDone) {
    markDone.addEventListener("click", function () {
      markDone.disabled = true;
      report(true).then(function (result) {
        if (result === "refused") markDone.disabled = false;
      });
    });
  }

  // Offline copy through the service worker

  var saveButton = document.getElementById("offline-save");
  var removeButton = document.getElementById("offline-remove");
  var canCache = "serviceWorker" in navigator && "caches" in window && window.isSecureContext;
  function absolute(url) {
    return new URL(url, window.location.href).href;
  }
  function offlineUrls() {
    var urls = [absolute(data.pageUrl)];
    if (data.mediaUrl) urls.push(absolute(data.mediaUrl));
    return urls;
  }
  function assetUrls() {
    var found = document.querySelectorAll("script[src], link[rel=stylesheet][href]");
    return Array.prototype.map.call(found, function (element) {
      return element.src || element.href;
    });
  }
  function showSaved(saved) {
    root.dataset.offline = saved ? "saved" : "";
    if (saveButton) saveButton.hidden = saved;
    if (removeButton) removeButton.hidden = !saved;
  }
  function ask(message) {
    return navigator.serviceWorker.ready.then(function (registration) {
      return new Promise(function (resolve, reject) {
        var channel = new MessageChannel();
        channel.port1.onmessage = function (event) {
          if (event.data && event.data.ok) resolve();
          else reject(new Error("not cached"));
        };
        registration.active.postMessage(message, [channel.port2]);
      });
    });
  }
  if (canCache) {
    navigator.serviceWorker.register(data.swUrl, { scope: data.swScope }).catch(function () {
      if (saveButton) saveButton.hidden = true;
    });
    window.caches
      .open(CACHE)
      .then(function (cache) {
        return cache.match(absolute(data.pageUrl));
      })
      .then(
        function (hit) {
          showSaved(!!hit);
        },
        function () {
          showSaved(false);
        }
      );
    if (saveButton) {
      saveButton.addEventListener("click", function () {
        saveButton.disabled = true;
        say(data.textCaching);
        var urls = offlineUrls();
        ask({ type: "save", page: urls[0], media: urls[1] || "", assets: assetUrls() })
          .then(
            function () {
              showSaved(true);
              say(data.textCached);
            },
            function () {
              say(data.textCacheFailed);
            }
          )
          .then(function () {
            saveButton.disabled = false;
          });
      });
    }
    if (removeButton) {
      removeButton.addEventListener("click", function () {
        ask({ type: "remove", urls: offlineUrls() }).then(function () {
          showSaved(false);
          say(data.textUncached);
        });
      });
    }
  }

  if (!media) return;

  // Speed and continuing to the next lesson

  var speedButtons = document.querySelectorAll("#speeds [data-speed]");
  function setSpeed(speed) {
    media.defaultPlaybackRate = speed;
    media.playbackRate = speed;
    Array.prototype.forEach.call(speedButtons, function (button) {
      var on = Number(button.dataset.speed) === speed;
      button.classList.toggle("active", on);
      button.setAttribute("aria-pressed", on ? "true" : "false");
    });
  }
  var speed = Number(read(SPEED, 1)) || 1;
  setSpeed(speed);
  Array.prototype.forEach.call(speedButtons, function (button) {
    button.addEventListener("click", function () {
      speed = Number(button.dataset.speed);
      write(SPEED, speed);
      setSpeed(speed);
    });
  });
  var autoNext = document.getElementById("auto-next");
  if (autoNext) {
    autoNext.checked = read(AUTO, true) !== false;
    autoNext.addEventListener("change", function () {
      write(AUTO, autoNext.checked);
    });
  }
  function goNext() {
    if (data.nextUrl) window.location.href = data.nextUrl + "#play";
  }

  // Resuming

  function startPosition() {
    var start = parseFloat(data.start) || 0;
    var serverAt = data.reportedAt ? Number(data.reportedAt) * 1000 + 999 : 0;
    var local = read(LAST, null);
    if (local && Date.parse(local.reported_at) > serverAt) start = local.position_seconds;
    return start;
  }
  var resuming = false;
  function resume() {
    setSpeed(speed);
    var start = startPosition();
    var duration = media.duration;
    lastPosition = Math.round(start * 10) / 10;
    if (start > 0 && (!isFinite(duration) || start < duration - 1)) {
      resuming = true;
      media.currentTime = start;
    }
    root.dataset.resumed = String(start);
    positionState();
    if (window.location.hash === "#play") {
      media.play().catch(function () {
        /* the browser wants a tap first */
      });
    }
  }
  if (media.readyState >= 1) resume();
  else media.addEventListener("loadedmetadata", resume, { once: true });

  // Reporting

  var ticker = null;
  function stopTicker() {
    if (ticker !== null) window.clearInterval(ticker);
    ticker = null;
  }
  media.addEventListener("play", function () {
    stopTicker();
    ticker = window.setInterval(function () {
      report(false);
    }, REPORT_EVERY_MS);
  });
  media.addEventListener("pause", function () {
    stopTicker();
    if (!media.ended) report(false);
  });
  media.addEventListener("seeked", function () {
    positionState();
    if (resuming) {
      resuming = false;
      return;
    }
    report(false);
  });
  media.addEventListener("ended", function () {
    stopTicker();
    report(true).then(function () {
      if (autoNext && autoNext.checked) goNext();
    });
  });
  media.addEventListener("ratechange", positionState);
  window.addEventListener("pagehide", function () {
    report(false);
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") report(false);
  });

  // Media Session: the lock screen and headset buttons

  function positionState() {
    var session = navigator.mediaSession;
    if (!session || !session.setPositionState || !isFinite(media.duration)) return;
    try {
      session.setPositionState({
        duration: media.duration,
        playbackRate: media.playbackRate,
        position: Math.min(media.currentTime, media.duration),
      });
    } catch (error) {
      /* not supported here */
    }
  }
  if ("mediaSession" in navigator) {
    var session = navigator.mediaSession;
    if (window.MediaMetadata) {
      session.metadata = new window.MediaMetadata({ title: data.title, artist: data.course, album: data.chapter });
    }
    var previous = document.getElementById("previous");
    var handlers = {
      play: function () {
        media.play();
      },
      pause: function () {
        media.pause();
      },
      seekbackward: function (details) {
        media.currentTime = Math.max(0, media.currentTime - ((details && details.seekOffset) || 10));
      },
      seekforward: function (details) {
        media.currentTime = Math.min(media.duration || Infinity, media.currentTime + ((details && details.seekOffset) || 10));
      },
      seekto: function (details) {
        media.currentTime = details.seekTime;
      },
      nexttrack: data.nextUrl ? goNext : null,
      previoustrack: previous
        ? function () {
            window.location.href = previous.href + "#play";
          }
        : null,
    };
    Object.keys(handlers).forEach(function (action) {
      try {
        session.setActionHandler(action, handlers[action]);
      } catch (error) {
        /* an action this browser does not know */
      }
    });
  }
})();
