// Numbers as decodiff's JSON writes them: floats with the fewest digits that
// read back as the same float, milliseconds rounded to microseconds.
// (results_file.cpp has its own copy of the float rule, made before this
// file; both must agree, and the publisher's test checks that they do.)
#pragma once

namespace decodiff::gst::publish {

// The shortest decimal (as a double) that reads back as `v` (a float printed
// as a double would show noise digits such as 0.7300000190734863).
double short_float(float v);

// Milliseconds rounded to three decimals.
double rounded_ms(double ms);

}  // namespace decodiff::gst::publish
