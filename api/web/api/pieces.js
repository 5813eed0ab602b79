// Piece counts: preview a file (nothing stored), import it as a batch, list batches and delete one.
import { get, remove, upload } from "./http.js";

export const previewPieces = (file) => upload("/piece-records/preview", file, { filename: file.name });
export const importPieces = (file, name) => upload("/piece-records", file, { filename: file.name, name });
export const listBatches = (query) => get("/piece-batches", query);
export const deleteBatch = (id) => remove(`/piece-batches/${id}`);
