// The /ui page's icon (served as /ui/favicon.svg, so the browser asks for no /favicon.ico).
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#1a7f37"/><path d="M4 8h8M8 4v8" stroke="#fff" stroke-width="2"/></svg>
`;
