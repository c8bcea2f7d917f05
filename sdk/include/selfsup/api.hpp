#pragma once

// Marks what the SDK library exports. The SDK is built with hidden visibility,
// so every class or function that plugins and the framework use across the
// shared-library boundary carries SELFSUP_API.
#define SELFSUP_API __attribute__((visibility("default")))
