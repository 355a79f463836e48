#!/usr/bin/env node
// Draws the DepotDesk icon — a charging bolt on a rounded teal square — as build/icon.svg (the
// source) and build/icon.png (512x512, what electron-builder turns into .ico/.icns/AppImage
// icons). One geometry for both; the PNG is rasterised here with 4x4 supersampling and written
// with node:zlib, so no image tool is needed.
//
//   node scripts/make-icon.js
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SIZE = 512;
const BG = { x: 32, y: 32, w: 448, h: 448, r: 96, color: [15, 118, 110] }; // #0f766e
const BOLT = {
  points: [
    [280, 72],
    [140, 292],
    [236, 292],
    [204, 440],
    [372, 212],
    [276, 212],
    [344, 72],
  ],
  color: [250, 250, 250],
};
const hex = ([r, g, b]) => `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;

const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 ${SIZE} ${SIZE}">
  <rect x="${BG.x}" y="${BG.y}" width="${BG.w}" height="${BG.h}" rx="${BG.r}" fill="${hex(BG.color)}"/>
  <polygon points="${BOLT.points.map((p) => p.join(',')).join(' ')}" fill="${hex(BOLT.color)}"/>
</svg>
`;

function inRoundedRect(x, y) {
  const { x: rx, y: ry, w, h, r } = BG;
  if (x < rx || y < ry || x > rx + w || y > ry + h) return false;
  const cx = Math.min(Math.max(x, rx + r), rx + w - r);
  const cy = Math.min(Math.max(y, ry + r), ry + h - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

function inPolygon(x, y, pts) {
  let inside = false;
  for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
    const [xi, yi] = pts[i];
    const [xj, yj] = pts[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

const SS = 4;
const rows = [];
for (let y = 0; y < SIZE; y += 1) {
  const row = Buffer.alloc(1 + SIZE * 4); // filter byte 0, then RGBA
  for (let x = 0; x < SIZE; x += 1) {
    let bg = 0;
    let bolt = 0;
    for (let sy = 0; sy < SS; sy += 1) {
      for (let sx = 0; sx < SS; sx += 1) {
        const px = x + (sx + 0.5) / SS;
        const py = y + (sy + 0.5) / SS;
        if (inRoundedRect(px, py)) {
          bg += 1;
          if (inPolygon(px, py, BOLT.points)) bolt += 1;
        }
      }
    }
    const alpha = bg / (SS * SS);
    const mix = bg === 0 ? 0 : bolt / bg;
    const o = 1 + x * 4;
    for (let c = 0; c < 3; c += 1) row[o + c] = Math.round(BG.color[c] * (1 - mix) + BOLT.color[c] * mix);
    row[o + 3] = Math.round(alpha * 255);
  }
  rows.push(row);
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(SIZE, 0);
ihdr.writeUInt32BE(SIZE, 4);
ihdr[8] = 8; // bit depth
ihdr[9] = 6; // RGBA
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', ihdr),
  chunk('IDAT', zlib.deflateSync(Buffer.concat(rows), { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);

fs.mkdirSync(path.join(root, 'build'), { recursive: true });
fs.writeFileSync(path.join(root, 'build', 'icon.svg'), svg);
fs.writeFileSync(path.join(root, 'build', 'icon.png'), png);
console.log(`wrote build/icon.svg and build/icon.png (${SIZE}x${SIZE}, ${png.length} bytes)`);
