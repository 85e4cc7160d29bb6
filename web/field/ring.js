// The new-dispatch signal: a short rising tone made with Web Audio (no sound file) and a
// vibration. Browsers start sound only after a touch, so the first touch unlocks it.

let audio = null;
let rings = 0;

/** Creates or resumes the audio context; call from a touch or a click. */
export function unlockAudio() {
  try {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    if (audio.state === "suspended") audio.resume();
  } catch {
    audio = null;
  }
}

/** Beeps three times and vibrates; counted on `body[data-rings]`. */
export function ring() {
  rings += 1;
  document.body.dataset.rings = String(rings);
  if (navigator.vibrate) navigator.vibrate([300, 150, 300, 150, 600]);
  if (!audio) unlockAudio();
  if (!audio) return;
  const now = audio.currentTime;
  for (const [i, freq] of [988, 1319, 1760].entries()) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = "square";
    osc.frequency.value = freq;
    const start = now + i * 0.2;
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.5, start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.18);
    osc.connect(gain).connect(audio.destination);
    osc.start(start);
    osc.stop(start + 0.19);
  }
}
