// SVG files are bundled as their text (the builder's webpack rule for `*.svg` imported from JS).
declare module '*.svg' {
  const text: string;
  export default text;
}
