// lucid_repro report: feeds the embedded .glb files to <model-viewer> and, with ?selftest
// in the URL, checks the page (used by tests/scripts/test_report.py).
// URL options: ?orbit=<azimuth deg> sets every viewer's camera azimuth, ?focus=3d scrolls
// the 3D viewers to the top, ?selftest writes a JSON verdict into #selftest-result.
(function () {
  "use strict";
  var params = new URLSearchParams(window.location.search);

  // The GLB bytes come from report_files/*.glb.js (classic scripts, which a file:// page
  // may load; fetch() of a file:// URL is refused by Chromium), as base64 -> Blob URL.
  function blobUrl(b64) {
    var bin = atob(b64), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return URL.createObjectURL(new Blob([bytes], {type: "model/gltf-binary"}));
  }

  function orbitOf(azimuth) { return azimuth + "deg 75deg auto"; }

  function setUpViewers() {
    var store = window.LUCID_GLB || {};
    var viewers = Array.prototype.slice.call(document.querySelectorAll("model-viewer[data-glb]"));
    viewers.forEach(function (mv) {
      if (params.has("orbit")) mv.setAttribute("camera-orbit", orbitOf(params.get("orbit")));
      var b64 = store[mv.getAttribute("data-glb")];
      if (b64) mv.setAttribute("src", blobUrl(b64));
      else console.error("report: no embedded model for " + mv.getAttribute("data-glb"));
    });
    if (params.get("focus") === "3d") {
      var block = document.getElementById("viewer3d");
      if (block) block.scrollIntoView({block: "start"});
    }
    return viewers;
  }

  function frame() { return new Promise(function (r) { requestAnimationFrame(function () { r(); }); }); }
  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  function pixels(url) {
    return new Promise(function (resolve) {
      var img = new Image();
      img.onload = function () {
        var c = document.createElement("canvas");
        c.width = img.naturalWidth; c.height = img.naturalHeight;
        var ctx = c.getContext("2d");
        ctx.drawImage(img, 0, 0);
        resolve(ctx.getImageData(0, 0, c.width, c.height).data);
      };
      img.onerror = function () { resolve(null); };
      img.src = url;
    });
  }

  function stats(a, b) {          // spread of a (blankness) and mean |a - b| (change)
    var n = a.length / 4, sum = 0, sum2 = 0, diff = 0;
    for (var i = 0; i < a.length; i += 4) {
      var g = (a[i] + a[i + 1] + a[i + 2]) / 3;
      sum += g; sum2 += g * g;
      if (b && b.length === a.length)
        diff += (Math.abs(a[i] - b[i]) + Math.abs(a[i + 1] - b[i + 1]) + Math.abs(a[i + 2] - b[i + 2])) / 3;
    }
    var mean = sum / n;
    return {std: Math.sqrt(Math.max(0, sum2 / n - mean * mean)), diff: diff / n};
  }

  function waitLoaded(mv, ms) {
    if (mv.loaded) return Promise.resolve(true);
    return Promise.race([
      new Promise(function (r) { mv.addEventListener("load", function () { r(true); }, {once: true}); }),
      new Promise(function (r) { mv.addEventListener("error", function () { r(false); }, {once: true}); }),
      sleep(ms).then(function () { return false; })]);
  }

  async function selftest(viewers) {
    var out = {images: 0, broken: [], videos: 0, badVideos: [], viewers: [],
               errors: window.__reportErrors || []};
    Array.prototype.forEach.call(document.images, function (img) {
      out.images++;
      if (!img.complete || !img.naturalWidth) out.broken.push(img.getAttribute("src"));
    });
    var videos = Array.prototype.slice.call(document.querySelectorAll("video"));
    for (var v of videos) {
      out.videos++;
      for (var t = 0; t < 50 && v.readyState < 1 && !v.error; t++) await sleep(100);
      if (v.error || v.readyState < 1) out.badVideos.push(v.currentSrc || v.getAttribute("src"));
    }
    for (var mv of viewers) {
      mv.scrollIntoView({block: "center"});    // model-viewer loads a model once it is on screen
      var rec = {glb: mv.getAttribute("data-glb"), loaded: await waitLoaded(mv, 120000)};
      if (rec.loaded && typeof mv.toDataURL === "function") {
        for (var k = 0; k < 5; k++) await frame();
        var before = await pixels(mv.toDataURL("image/png"));
        var az = parseFloat(params.get("orbit") || "0");
        mv.cameraOrbit = orbitOf(az + 120);
        if (mv.jumpCameraToGoal) mv.jumpCameraToGoal();
        for (k = 0; k < 5; k++) await frame();
        await sleep(300);
        var after = await pixels(mv.toDataURL("image/png"));
        mv.cameraOrbit = orbitOf(az);
        if (mv.jumpCameraToGoal) mv.jumpCameraToGoal();
        if (before && after) {
          var s = stats(before, after);
          rec.std = Math.round(s.std * 100) / 100;
          rec.diff = Math.round(s.diff * 100) / 100;
        }
      }
      var r = mv.getBoundingClientRect();
      rec.rect = [r.left, r.top, r.width, r.height].map(Math.round);
      out.viewers.push(rec);
    }
    for (k = 0; k < 5; k++) await frame();
    out.errors = window.__reportErrors || [];
    out.done = true;
    var pre = document.getElementById("selftest-result") || document.createElement("pre");
    pre.id = "selftest-result";
    pre.textContent = JSON.stringify(out);
    document.body.appendChild(pre);
    document.title = "SELFTEST DONE";
  }

  window.addEventListener("load", function () {
    var viewers = setUpViewers();
    if (params.has("selftest")) selftest(viewers);
  });
})();
