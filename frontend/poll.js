/**
 * Polling with backoff that stops when the work is done or the pane goes away.
 *
 * Waits grow from `firstMs` by `factor` up to `maxMs` (an error waits at least its
 * Retry-After). While the pane is hidden nothing is asked; when it shows again one check runs
 * at once. `pagehide` (the pane closed) stops everything.
 */

export function poll(check, { firstMs = 1000, maxMs = 15000, factor = 1.5, onError, onWait } = {}) {
  let delay = firstMs;
  let timer = null;
  let stopped = false;
  let running = false;
  let controller = null;

  async function tick() {
    timer = null;
    if (stopped || running) {
      return;
    }
    if (document.visibilityState === "hidden") {
      return; // resumed by the visibilitychange listener
    }
    running = true;
    controller = new AbortController();
    let wait = delay;
    try {
      const done = await check(controller.signal);
      if (done) {
        stop();
        return;
      }
      delay = Math.min(maxMs, delay * factor);
    } catch (error) {
      if (stopped) {
        return;
      }
      wait = Math.max(delay, (error?.retryAfterS || 0) * 1000);
      delay = Math.min(maxMs, delay * factor);
      onError?.(error, Math.round(wait / 1000));
    } finally {
      running = false;
      controller = null;
    }
    schedule(wait);
  }

  function schedule(ms) {
    if (!stopped) {
      clearTimeout(timer);
      timer = setTimeout(tick, ms);
      onWait?.(ms);
    }
  }

  function onVisibility() {
    if (document.visibilityState === "visible" && !stopped && !running) {
      clearTimeout(timer);
      tick();
    }
  }

  function stop() {
    stopped = true;
    clearTimeout(timer);
    controller?.abort();
    document.removeEventListener("visibilitychange", onVisibility);
    window.removeEventListener("pagehide", stop);
  }

  document.addEventListener("visibilitychange", onVisibility);
  window.addEventListener("pagehide", stop);
  tick();

  return {
    stop,
    /** Check right away (the user asked), and start the backoff over. */
    now() {
      if (!stopped && !running) {
        delay = firstMs;
        clearTimeout(timer);
        tick();
      }
    },
    get stopped() {
      return stopped;
    },
  };
}
