/* Checks a funder report's signatures in the browser with WebCrypto Ed25519; no library.
 *
 * Two signatures, both by the platform's audit key, are checked against the key the funder
 * holds (pasted as base64, hex or PEM; never taken from the page):
 *  - the checkpoint's: Ed25519 over the checkpoint note the report names, line by line
 *    origin, tree size, base64 root hash, "time " and the UTC time (services/audit/signing.py);
 *  - the report's: Ed25519 over "funder report\n" and the report as canonical JSON (sorted
 *    keys, ", " and ": " separators, non-ASCII escaped: Python's json.dumps(sort_keys=True)).
 * Any changed figure, size or root makes one of them fail. Runs in Node too (tests).
 */
(function () {
  "use strict";

  var subtle = typeof crypto !== "undefined" && crypto.subtle ? crypto.subtle : null;
  var SPKI_PREFIX = "302a300506032b6570032100"; // DER of an Ed25519 SubjectPublicKeyInfo

  function fromBase64(text) {
    var bin = atob(text.replace(/\s+/g, ""));
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function toBase64(bytes) {
    var s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s);
  }

  function fromHex(text) {
    if (!/^([0-9a-fA-F]{2})*$/.test(text)) throw new Error("not hex");
    var out = new Uint8Array(text.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(text.substr(i * 2, 2), 16);
    return out;
  }

  function toHex(bytes) {
    return Array.prototype.map.call(bytes, function (b) {
      return (b < 16 ? "0" : "") + b.toString(16);
    }).join("");
  }

  /* The raw 32-byte key from base64, hex or PEM (SubjectPublicKeyInfo). */
  function parsePublicKey(text) {
    text = (text || "").trim();
    var raw;
    if (text.indexOf("-----BEGIN") === 0) {
      var der = fromBase64(text.replace(/-----[^-]+-----/g, ""));
      if (der.length !== 44 || toHex(der.slice(0, 12)) !== SPKI_PREFIX) {
        throw new Error("not an Ed25519 public key");
      }
      raw = der.slice(12);
    } else if (/^[0-9a-fA-F]{64}$/.test(text)) {
      raw = fromHex(text);
    } else {
      raw = fromBase64(text);
    }
    if (raw.length !== 32) throw new Error("an Ed25519 public key has 32 bytes");
    return raw;
  }

  /* The checkpoint note the report names: exactly the bytes its signature covers. */
  function checkpointNote(c) {
    var root = fromHex(String(c.root_hash));
    if (root.length !== 32) throw new Error("the root hash is not 32 bytes");
    return c.origin + "\n" + c.tree_size + "\n" + toBase64(root) + "\ntime " + c.issued_at + "\n";
  }

  function canonicalString(s) {
    return JSON.stringify(s).replace(/[\u007f-\uffff]/g, function (c) {
      return "\\u" + ("000" + c.charCodeAt(0).toString(16)).slice(-4);
    });
  }

  /* Python's json.dumps(value, sort_keys=True) for what a report holds. */
  function canonical(value) {
    if (value === null || typeof value === "boolean") return String(value);
    if (typeof value === "number") {
      if (!Number.isInteger(value)) throw new Error("a report holds whole numbers only");
      return String(value);
    }
    if (typeof value === "string") return canonicalString(value);
    if (Array.isArray(value)) return "[" + value.map(canonical).join(", ") + "]";
    return "{" + Object.keys(value).sort().map(function (k) {
      return canonicalString(k) + ": " + canonical(value[k]);
    }).join(", ") + "}";
  }

  function verifyEd25519(key, signature, text) {
    return subtle.importKey("raw", key, { name: "Ed25519" }, false, ["verify"])
      .then(function (imported) {
        return subtle.verify({ name: "Ed25519" }, imported, signature, new TextEncoder().encode(text));
      });
  }

  function keyId(key) {
    return subtle.digest("SHA-256", key).then(function (d) {
      return toHex(new Uint8Array(d).slice(0, 8));
    });
  }

  /* Resolves to {valid, checkpoint, report, keyMatches, keyId, error}. */
  function verifyReport(input) {
    var result = { valid: false, checkpoint: false, report: false, keyMatches: false };
    if (!subtle) return Promise.resolve(Object.assign(result, { error: "unsupported" }));
    var key, report, note;
    try {
      key = parsePublicKey(input.publicKey);
    } catch (e) {
      return Promise.resolve(Object.assign(result, { error: "key" }));
    }
    try {
      report = JSON.parse(input.report);
      note = checkpointNote(report.checkpoint);
      var text = "funder report\n" + canonical(report);
      var cpSig = fromBase64(input.checkpointSignature || "");
      var reportSig = fromBase64(input.reportSignature || "");
    } catch (e) {
      return Promise.resolve(Object.assign(result, { error: "report" }));
    }
    return Promise.all([
      verifyEd25519(key, cpSig, note),
      verifyEd25519(key, reportSig, text),
      keyId(key),
    ]).then(function (r) {
      result.checkpoint = r[0];
      result.report = r[1];
      result.keyId = r[2];
      result.keyMatches = r[2] === report.checkpoint.key_id;
      result.valid = result.checkpoint && result.report && result.keyMatches;
      return result;
    }, function () {
      return Object.assign(result, { error: "unsupported" });
    });
  }

  function wire(form) {
    var field = function (id) { return document.getElementById(id); };
    var out = field("verify-result");
    var file = field("verify-report-file");
    if (file) {
      file.addEventListener("change", function () {
        if (file.files && file.files[0]) {
          file.files[0].text().then(function (t) { field("verify-report").value = t; });
        }
      });
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      out.className = "";
      out.textContent = out.dataset.checking;
      verifyReport({
        report: field("verify-report").value,
        checkpointSignature: field("verify-checkpoint-signature").value,
        reportSignature: field("verify-report-signature").value,
        publicKey: field("verify-public-key").value,
      }).then(function (r) {
        var message = r.valid ? out.dataset.valid : out.dataset.invalid;
        if (r.error) message += " " + out.dataset["error" + r.error.charAt(0).toUpperCase() + r.error.slice(1)];
        else if (!r.keyMatches) message += " " + out.dataset.otherKey;
        out.className = r.valid ? "flash" : "problem";
        out.textContent = message;
      });
    });
  }

  var api = { canonical: canonical, checkpointNote: checkpointNote, parsePublicKey: parsePublicKey, verifyReport: verifyReport };
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  } else if (typeof document !== "undefined") {
    var form = document.getElementById("verify-form");
    if (form) wire(form);
  }
})();
