/*
 * tailor.js — Tailor's browser SDK. A plain script (no build step, no dependencies)
 * that defines the global `Tailor`; loaded by a CommonJS bundler it exports the same.
 *
 *   Tailor.init({ host, writeKey })          configure; returns the client
 *   Tailor.setConsent({ analytics, personalization, marketing })
 *                                            remember the choice, send it with identify
 *   Tailor.consent()                         the remembered choice, or null
 *   Tailor.track(event, properties)          Segment-format calls, queued
 *   Tailor.page(name, properties)
 *   Tailor.identify([userId,] traits)
 *   Tailor.flush()                           Promise<{ok, status, results}>, resolved
 *                                            once the server answered every queued call
 *   Tailor.decide(["welcome", "tip"])        Promise of `/v1/decide`'s JSON answer
 *   Tailor.anonymousId()                     this browser's anonymous id
 *   Tailor.reset()                           forget the id, the consent and the queue
 *
 * Identity: the anonymous id is read from the first-party cookie `tailor_aid`, then
 * from localStorage, else made with crypto.randomUUID(). It is written to both and
 * always sent as `X-Anonymous-Id`, because a `Secure` cookie set by decide is not
 * kept everywhere (plain http on a developer's machine).
 *
 * Consent: every call carries `context.consent.categoryPreferences` with the
 * categories `Analytics`, `Personalization` and `Marketing`; until the visitor
 * chooses, all three are false. The server keeps only what they grant.
 *
 * Delivery: calls go to `POST {host}/v1/batch` with the write key as Basic auth user
 * name, in batches of at most 100 calls; a network error or a 5xx is retried with
 * exponential backoff, a 4xx never (the batch is dropped). A flush also starts on
 * its own a moment after a call, and when the page is hidden.
 *
 * Privacy: the SDK never writes to the console what it sends or receives; the only
 * console line it may write is a warning with an HTTP status code.
 */
(function (root, factory) {
  "use strict";
  if (typeof module === "object" && module.exports) {
    module.exports = factory(root);
  } else {
    root.Tailor = factory(root);
  }
})(typeof globalThis !== "undefined" ? globalThis : this, function (root) {
  "use strict";

  var VERSION = "0.1.0";
  var COOKIE = "tailor_aid";
  var COOKIE_MAX_AGE = 400 * 24 * 3600;
  var ID_KEY = "tailor_aid";
  var CONSENT_KEY = "tailor_consent";
  var MAX_BATCH_CALLS = 100;
  var MAX_BATCH_BYTES = 450 * 1024; // under the server's 500 KB per batch
  var MAX_QUEUE = 1000;

  function store(kind) {
    // Storage can be missing or throw (private modes, disabled cookies): degrade to
    // memory for this page rather than break the page.
    try {
      var storage = root[kind];
      storage.setItem("tailor_probe", "1");
      storage.removeItem("tailor_probe");
      return storage;
    } catch (error) {
      var memory = {};
      return {
        getItem: function (key) { return key in memory ? memory[key] : null; },
        setItem: function (key, value) { memory[key] = String(value); },
        removeItem: function (key) { delete memory[key]; },
      };
    }
  }

  function uuid4() {
    var cryptoApi = root.crypto;
    if (cryptoApi && typeof cryptoApi.randomUUID === "function") {
      return cryptoApi.randomUUID();
    }
    // randomUUID needs a secure context; getRandomValues does not.
    var bytes = new Uint8Array(16);
    cryptoApi.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) {
      return (b + 0x100).toString(16).slice(1);
    }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20),
      hex.slice(20)].join("-");
  }

  function readCookie(name) {
    var pairs = (root.document && root.document.cookie ? root.document.cookie : "").split(";");
    for (var i = 0; i < pairs.length; i++) {
      var pair = pairs[i].trim();
      if (pair.indexOf(name + "=") === 0) return decodeURIComponent(pair.slice(name.length + 1));
    }
    return null;
  }

  function writeCookie(name, value, maxAge) {
    if (!root.document) return;
    var secure = root.location && root.location.protocol === "https:" ? "; Secure" : "";
    root.document.cookie = name + "=" + encodeURIComponent(value) + "; Max-Age=" + maxAge +
      "; Path=/; SameSite=Lax" + secure;
  }

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  function toBool(value) {
    return value === true;
  }

  function Client(options) {
    if (!options || !options.writeKey) throw new Error("Tailor.init needs a writeKey");
    this.host = String(options.host || (root.location ? root.location.origin : "")).replace(/\/+$/, "");
    this.writeKey = options.writeKey;
    this.flushInterval = options.flushInterval == null ? 2000 : options.flushInterval;
    this.maxRetries = options.maxRetries == null ? 5 : options.maxRetries;
    this.retryBase = options.retryBase == null ? 500 : options.retryBase;
    this._fetch = options.fetch || root.fetch.bind(root);
    this._sleep = options.sleep || sleep;
    this._local = store("localStorage");
    this._queue = [];
    this._timer = null;
    this._sending = Promise.resolve({ ok: true, status: null, results: [] });
    this._anonymousId = this._loadAnonymousId();

    var client = this;
    if (root.document && root.addEventListener) {
      root.addEventListener("visibilitychange", function () {
        if (root.document.visibilityState === "hidden") client._send({ keepalive: true });
      });
    }
  }

  Client.prototype._loadAnonymousId = function () {
    var id = readCookie(COOKIE) || this._local.getItem(ID_KEY) || uuid4();
    this._rememberAnonymousId(id);
    return id;
  };

  Client.prototype._rememberAnonymousId = function (id) {
    this._local.setItem(ID_KEY, id);
    if (readCookie(COOKIE) !== id) writeCookie(COOKIE, id, COOKIE_MAX_AGE);
  };

  Client.prototype.anonymousId = function () {
    return this._anonymousId;
  };

  Client.prototype.consent = function () {
    try {
      var saved = JSON.parse(this._local.getItem(CONSENT_KEY) || "null");
      if (!saved || typeof saved !== "object") return null;
      return {
        analytics: toBool(saved.analytics),
        personalization: toBool(saved.personalization),
        marketing: toBool(saved.marketing),
      };
    } catch (error) {
      return null;
    }
  };

  Client.prototype.setConsent = function (choice) {
    var consent = {
      analytics: toBool(choice && choice.analytics),
      personalization: toBool(choice && choice.personalization),
      marketing: toBool(choice && choice.marketing),
    };
    this._local.setItem(CONSENT_KEY, JSON.stringify(consent));
    this.identify({});
    return consent;
  };

  Client.prototype._context = function () {
    var consent = this.consent() || { analytics: false, personalization: false, marketing: false };
    var nav = root.navigator || {};
    var timezone;
    try {
      timezone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (error) {
      timezone = undefined;
    }
    return {
      library: { name: "tailor.js", version: VERSION },
      locale: nav.language,
      timezone: timezone,
      userAgent: nav.userAgent,
      // The path only: a query string or a title can carry personal data.
      page: { path: root.location ? root.location.pathname : "/" },
      consent: {
        categoryPreferences: {
          Analytics: consent.analytics,
          Personalization: consent.personalization,
          Marketing: consent.marketing,
        },
      },
    };
  };

  Client.prototype._enqueue = function (call) {
    var message = {
      type: call.type,
      messageId: uuid4(),
      timestamp: new Date().toISOString(),
      anonymousId: this._anonymousId,
      context: this._context(),
    };
    for (var key in call) {
      if (key !== "type" && call[key] !== undefined) message[key] = call[key];
    }

    this._queue.push(message);
    if (this._queue.length > MAX_QUEUE) this._queue.splice(0, this._queue.length - MAX_QUEUE);
    this._schedule();
    return message.messageId;
  };

  Client.prototype._schedule = function () {
    if (this._timer !== null || this.flushInterval < 0) return;
    var client = this;
    this._timer = setTimeout(function () {
      client._timer = null;
      client.flush();
    }, this.flushInterval);
  };

  Client.prototype.track = function (event, properties) {
    if (!event) throw new Error("track needs an event name");
    return this._enqueue({ type: "track", event: String(event), properties: properties || {} });
  };

  Client.prototype.page = function (name, properties) {
    return this._enqueue({ type: "page", name: name, properties: properties || {} });
  };

  Client.prototype.identify = function (userId, traits) {
    if (userId !== null && typeof userId === "object") {
      traits = userId;
      userId = undefined;
    }
    return this._enqueue({ type: "identify", userId: userId || undefined, traits: traits || {} });
  };

  Client.prototype.flush = function () {
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
    return this._send({ keepalive: false });
  };

  // Sends run one after another, so a flush resolves only after everything queued
  // before it was answered, and calls keep their order.
  Client.prototype._send = function (options) {
    var client = this;
    this._sending = this._sending.then(function () {
      return client._drain(options);
    });
    return this._sending;
  };

  Client.prototype._drain = function (options) {
    var client = this;
    var outcome = { ok: true, status: null, results: [] };

    function next() {
      var batch = client._takeBatch();
      if (batch.length === 0) return Promise.resolve(outcome);
      return client._post(batch, options).then(function (answer) {
        outcome.status = answer.status;
        outcome.results = outcome.results.concat(answer.results);
        if (!answer.ok) {
          outcome.ok = false;
          if (answer.retryLater) {
            // Keep the calls for the next flush; messageId makes a resend harmless.
            client._queue = batch.concat(client._queue);
            return outcome;
          }
        }
        return next();
      });
    }
    return next();
  };

  Client.prototype._takeBatch = function () {
    var batch = [];
    var bytes = 0;
    while (this._queue.length > 0 && batch.length < MAX_BATCH_CALLS) {
      var size = JSON.stringify(this._queue[0]).length;
      if (batch.length > 0 && bytes + size > MAX_BATCH_BYTES) break;
      batch.push(this._queue.shift());
      bytes += size;
    }
    return batch;
  };

  Client.prototype._post = function (batch, options) {
    var client = this;
    var attempt = 0;

    function once() {
      var body = JSON.stringify({ batch: batch, sentAt: new Date().toISOString() });
      return client._fetch(client.host + "/v1/batch", {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Authorization: "Basic " + root.btoa(client.writeKey + ":"),
        },
        body: body,
        credentials: "include",
        keepalive: Boolean(options.keepalive) && body.length < 60000,
      }).then(function (response) {
        if (response.status >= 500) return retry(response.status);
        return response.json().catch(function () { return {}; }).then(function (document) {
          if (!response.ok && root.console) {
            root.console.warn("tailor.js: batch rejected with HTTP " + response.status);
          }
          return {
            ok: response.ok,
            status: response.status,
            results: Array.isArray(document.results) ? document.results : [],
            retryLater: false,
          };
        });
      }, function () {
        return retry(null);
      });
    }

    function retry(status) {
      if (attempt >= client.maxRetries) {
        return { ok: false, status: status, results: [], retryLater: true };
      }
      var delay = Math.min(client.retryBase * Math.pow(2, attempt), 16000);
      attempt += 1;
      return client._sleep(delay * (0.5 + Math.random() / 2)).then(once);
    }

    return once();
  };

  Client.prototype.decide = function (placements) {
    var client = this;
    var names = Array.isArray(placements) ? placements : [placements];
    var query = names.map(function (name) {
      return "placement=" + encodeURIComponent(name);
    }).join("&");

    return this._fetch(this.host + "/v1/decide?" + query, {
      method: "GET",
      headers: { "X-Anonymous-Id": this._anonymousId, Accept: "application/json" },
      credentials: "include",
      cache: "no-store",
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (document) {
        if (!response.ok) {
          var code = document.error && document.error.code ? document.error.code : "error";
          var error = new Error("decide answered HTTP " + response.status + " (" + code + ")");
          error.status = response.status;
          error.code = code;
          throw error;
        }
        if (document.anonymous_id && document.anonymous_id !== client._anonymousId) {
          client._anonymousId = document.anonymous_id;
          client._rememberAnonymousId(document.anonymous_id);
        }
        return document;
      });
    });
  };

  Client.prototype.reset = function () {
    this._queue = [];
    this._local.removeItem(CONSENT_KEY);
    this._local.removeItem(ID_KEY);
    writeCookie(COOKIE, "", 0);
    this._anonymousId = uuid4();
    this._rememberAnonymousId(this._anonymousId);
  };

  var Tailor = { VERSION: VERSION, Client: Client, client: null };

  Tailor.init = function (options) {
    Tailor.client = new Client(options);
    return Tailor.client;
  };

  ["anonymousId", "consent", "setConsent", "track", "page", "identify", "flush", "decide", "reset"]
    .forEach(function (method) {
      Tailor[method] = function () {
        if (!Tailor.client) throw new Error("call Tailor.init({host, writeKey}) first");
        return Tailor.client[method].apply(Tailor.client, arguments);
      };
    });

  return Tailor;
});
