// Scan a certificate's QR code with the device camera and send what it holds to the QR check.
// The decoding is jsQR's (vendor/jsqr.js, from the npm registry at setup); nothing leaves the
// browser but the decoded text, submitted through the same form as a pasted payload.
(function () {
  "use strict";
  var box = document.querySelector("[data-qr-scan]");
  if (!box || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || typeof jsQR !== "function") {
    return; // no camera API (or the page is served without TLS): the paste box stays the way
  }
  var form = document.getElementById("verify-qr");
  var field = form.querySelector("[name=p]");
  var button = box.querySelector("button");
  var video = box.querySelector("video");
  var status = box.querySelector("[role=status]");
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var stream = null;
  box.hidden = false;

  function stop() {
    if (stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
    }
    stream = null;
    video.hidden = true;
  }

  function scanFrame() {
    if (!stream) {
      return;
    }
    if (video.readyState >= video.HAVE_CURRENT_DATA && video.videoWidth > 0) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var code = jsQR(image.data, image.width, image.height, { inversionAttempts: "attemptBoth" });
      if (code && code.data) {
        stop();
        field.value = code.data;
        status.textContent = box.dataset.found;
        form.submit();
        return;
      }
    }
    window.setTimeout(scanFrame, 100);
  }

  button.addEventListener("click", function () {
    status.textContent = box.dataset.starting;
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (media) {
      stream = media;
      video.srcObject = media;
      video.hidden = false;
      return video.play();
    }).then(function () {
      status.textContent = box.dataset.scanning;
      scanFrame();
    }).catch(function () {
      stop();
      status.textContent = box.dataset.denied;
    });
  });
}());
