// Numbers as decodiff's JSON writes them (the results-location lines and
// decodiffpublish's objects): floats with the fewest digits that read back as
// the same float, milliseconds rounded to microseconds.
#pragma once

namespace decodiff::gst {

// The shortest decimal (as a double) that reads back as `v` (a float printed
// as a double would show noise digits such as 0.7300000190734863).
double short_float(float v);

// Milliseconds rounded to three decimals.
double rounded_ms(double ms);

}  // namespace decodiff::gst
