// Progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", () => {
  // A double-tapped submit must not send the form twice.
  document.querySelectorAll("form[data-once]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (form.dataset.sent) {
        event.preventDefault();
        return;
      }
      form.dataset.sent = "1";
      form.querySelectorAll("button[type=submit]").forEach((b) => b.setAttribute("aria-busy", "true"));
    });
  });

  // The "if full" question only matters for on-site.
  const whenFull = document.querySelector(".when-full");
  const attendance = document.querySelectorAll("input[name=attendance]");
  if (whenFull && attendance.length) {
    const sync = () => {
      const onsite = document.querySelector("input[name=attendance][value=onsite]");
      whenFull.hidden = !(onsite && onsite.checked);
    };
    attendance.forEach((input) => input.addEventListener("change", sync));
    sync();
  }
});

// Desk: results as you type, live counts, and QR scanning with the camera where supported.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector(".desk-search");
  if (!form) return;
  const input = form.querySelector("input[name=q]");
  const results = document.getElementById("results");
  let timer = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const query = input.value.trim();
    // Digits only: a scanner is typing a check-in code; wait for its Enter.
    if (/^\d+$/.test(query)) return;
    timer = setTimeout(async () => {
      const url = form.dataset.searchUrl + "?q=" + encodeURIComponent(query);
      const response = await fetch(url, { credentials: "same-origin" });
      if (response.ok) results.innerHTML = await response.text();
    }, 200);
  });

  const counts = document.getElementById("desk-counts");
  if (counts) {
    setInterval(async () => {
      const response = await fetch(counts.dataset.url, { credentials: "same-origin" });
      if (!response.ok) return;
      const numbers = await response.json();
      counts.querySelectorAll("[data-count]").forEach((el) => {
        el.textContent = numbers[el.dataset.count];
      });
    }, 10000);
  }

  const cameraButton = document.getElementById("camera-scan");
  const video = document.getElementById("camera");
  if ("BarcodeDetector" in window && navigator.mediaDevices) {
    cameraButton.hidden = false;
    cameraButton.addEventListener("click", async () => {
      const detector = new BarcodeDetector({ formats: ["qr_code"] });
      const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
      video.srcObject = stream;
      video.hidden = false;
      await video.play();
      const look = async () => {
        const codes = await detector.detect(video).catch(() => []);
        if (codes.length) {
          stream.getTracks().forEach((track) => track.stop());
          input.value = codes[0].rawValue;
          form.submit();
        } else {
          requestAnimationFrame(look);
        }
      };
      look();
    });
  }
});
