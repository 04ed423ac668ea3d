// Vite's import suffixes (`?url`) for the UI's type check.
/// <reference types="vite/client" />
