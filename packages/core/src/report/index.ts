// Public surface of the report module: atomic files, reports, pictures, progress.
export { writeFileAtomic, writeJsonAtomic } from "../io.js";
