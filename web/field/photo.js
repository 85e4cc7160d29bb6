// Photos from the scene: a picked or taken picture is redrawn on a canvas at most 1600 px on
// its long side and saved as JPEG (quality 0.8). Redrawing also leaves the camera's metadata
// (EXIF: where, when, which phone) behind; the place is sent only when the officer asks for it.
// A small preview is made for the waiting list (a data: URL, which the page's policy allows).

/** The longest side of a sent photo, in pixels. */
const MAX_SIDE = 1600;
/** The server's limit for one photo. */
const MAX_BYTES = 5 * 1024 * 1024;
const THUMB_SIDE = 160;

function canvasOf(bitmap, side) {
  const scale = Math.min(1, side / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  return canvas;
}

function jpeg(canvas, quality) {
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("cannot encode JPEG"))), "image/jpeg", quality),
  );
}

/** Shrinks `file` (an image): resolves to `{blob, thumb, width, height}`. */
export async function shrink(file) {
  // `from-image` turns the picture upright as the camera's orientation tag says.
  const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  try {
    const canvas = canvasOf(bitmap, MAX_SIDE);
    let blob = await jpeg(canvas, 0.8);
    for (const quality of [0.65, 0.5]) {
      if (blob.size <= MAX_BYTES) break;
      blob = await jpeg(canvas, quality);
    }
    const thumb = canvasOf(bitmap, THUMB_SIDE).toDataURL("image/jpeg", 0.6);
    return { blob, thumb, width: canvas.width, height: canvas.height };
  } finally {
    bitmap.close();
  }
}
