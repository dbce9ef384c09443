/**
 * The booth's document camera (高拍仪): a second video device, opened for
 * reading text — high resolution, low frame rate, content hint "text" — and
 * the full-resolution still taken from it when a material is captured.
 *
 * Which device is the document camera is a deployment setting (devices.ts):
 * a label to look for, 'auto' (a camera whose label says document / 高拍 /
 * scanner, else none), 'same' (share the resident camera — only for a booth
 * with one camera, and for the fake device in tests), or 'none'.
 */
export type DocCameraChoice = { kind: 'auto' } | { kind: 'label'; label: string } | { kind: 'same' } | { kind: 'none' };

const DOC_LABEL = /document|docu|高拍|扫描|scanner|visualizer/i;

/** Ideal capture for readable A4 text; the device gives what it can. */
const DOC_CONSTRAINTS: MediaTrackConstraints = {
  width: { ideal: 1920 },
  height: { ideal: 1080 },
  frameRate: { ideal: 5, max: 10 },
};

/** The document camera's deviceId: undefined = the default camera ('same'), null = none (or not found). */
export async function pickDevice(choice: DocCameraChoice): Promise<string | undefined | null> {
  if (choice.kind === 'none') return null;
  if (choice.kind === 'same') return undefined; // the default camera
  const devices = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
  const match = choice.kind === 'label' ? devices.find((d) => d.label.includes(choice.label)) : devices.find((d) => DOC_LABEL.test(d.label));
  return match ? match.deviceId : null;
}

/** Opens the document camera, or resolves null when this booth has none (or it cannot be opened). */
export async function openDocumentCamera(choice: DocCameraChoice): Promise<MediaStreamTrack | null> {
  if (!navigator.mediaDevices?.getUserMedia) return null;
  const deviceId = await pickDevice(choice).catch(() => null);
  if (deviceId === null) return null;
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ video: { ...DOC_CONSTRAINTS, ...(deviceId ? { deviceId: { exact: deviceId } } : {}) }, audio: false });
    const [track] = stream.getVideoTracks();
    if (!track) return null;
    // Sharp text over smooth motion (the encoder keeps resolution, drops frames).
    track.contentHint = 'text';
    return track;
  } catch (err) {
    console.warn('document camera could not be opened', err);
    return null;
  }
}

/**
 * A full-resolution JPEG of the track's current frame. Uses ImageCapture's
 * grabFrame where the browser has it, else a <video> element drawn to a canvas.
 * `rotate` turns the still by quarter turns (a page placed sideways).
 */
export async function captureStill(track: MediaStreamTrack, opts: { quality?: number; rotate?: 0 | 90 | 180 | 270 } = {}): Promise<Blob> {
  if (track.readyState !== 'live') throw new Error('the document camera is not running');
  let source: CanvasImageSource;
  let width: number;
  let height: number;
  let cleanup = () => undefined as void;
  const IC = (globalThis as unknown as { ImageCapture?: new (t: MediaStreamTrack) => { grabFrame(): Promise<ImageBitmap> } }).ImageCapture;
  if (IC) {
    const bitmap = await new IC(track).grabFrame();
    source = bitmap;
    width = bitmap.width;
    height = bitmap.height;
    cleanup = () => bitmap.close();
  } else {
    const video = document.createElement('video');
    video.muted = true;
    video.playsInline = true;
    video.srcObject = new MediaStream([track]);
    await video.play();
    if (!video.videoWidth) await new Promise((r) => video.addEventListener('loadeddata', r, { once: true }));
    source = video;
    width = video.videoWidth;
    height = video.videoHeight;
    cleanup = () => {
      video.pause();
      video.srcObject = null;
    };
  }
  try {
    const quarter = ((opts.rotate ?? 0) / 90) % 4;
    const canvas = document.createElement('canvas');
    canvas.width = quarter % 2 ? height : width;
    canvas.height = quarter % 2 ? width : height;
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas');
    ctx.translate(canvas.width / 2, canvas.height / 2);
    ctx.rotate((quarter * Math.PI) / 2);
    ctx.drawImage(source, -width / 2, -height / 2, width, height);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the still could not be encoded'))), 'image/jpeg', opts.quality ?? 0.92),
    );
  } finally {
    cleanup();
  }
}
