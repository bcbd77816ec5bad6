// localStorage that never throws: storage can be disabled (privacy modes) or full.

export function read(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

/** Store a string; false when storage is disabled or full. */
export function write(key, value) {
  try {
    localStorage.setItem(key, value);
    return true;
  } catch {
    return false;
  }
}

export function remove(key) {
  try {
    localStorage.removeItem(key);
  } catch {
    /* storage disabled */
  }
}

export function readJSON(key, fallback) {
  try {
    return JSON.parse(read(key)) ?? fallback;
  } catch {
    return fallback; // not JSON: written by something else
  }
}
