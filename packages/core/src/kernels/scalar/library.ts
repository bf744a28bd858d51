// Math, string, date and hash functions register themselves on import (see registry.ts).
import './math.js';
import './strings.js';
import './dates.js';
import './hash.js';
