#include "support/png.hpp"

#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <memory>

#include "selfsup/errors.hpp"

namespace selfsup {

Image::Image(int width_, int height_, int channels_, uint8_t fill)
    : width(width_),
      height(height_),
      channels(channels_),
      pixels(static_cast<size_t>(width_) * height_ * channels_, fill) {}

void write_png(const Image& image, const std::filesystem::path& path) {
    const auto fail = [&](const char* what) {
        return DataError("cannot write image " + path.string() + ": " + what);
    };
    std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "wb"), &std::fclose);
    if (!file) throw fail("cannot open the file");
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    png_infop info = png ? png_create_info_struct(png) : nullptr;
    if (info == nullptr) {
        png_destroy_write_struct(&png, nullptr);
        throw fail("libpng could not start");
    }
    // libpng reports errors by longjmp; nothing with a destructor is created
    // between here and the end of the writes.
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        throw fail("libpng failed while writing");
    }
    png_init_io(png, file.get());
    png_set_IHDR(png, info, image.width, image.height, 8,
                 image.channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < image.height; ++y) {
        png_write_row(png, image.pixels.data() + static_cast<size_t>(y) * image.width * image.channels);
    }
    png_write_end(png, nullptr);
    png_destroy_write_struct(&png, &info);
}

}  // namespace selfsup
