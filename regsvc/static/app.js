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
