// How one inspection result leaves the element, apart from the JSONL file
// (results_file.h): the metas on the buffer and the bus message's structure.
// The fields are those docs/element.md lists; apps read them in pad probes
// and bus watches.
#pragma once

#include <gst/gst.h>

#include <string>

#include <gst/decodiff/decodiffmeta.h>
#include "result.h"

namespace decodiff::gst {

// Adds a GstDecodiffMeta and one GstVideoRegionOfInterestMeta ("anomaly") per
// region to a writable buffer. `frame` is the buffer's own frame number: the
// result is stale when it was inspected on another frame. `producer` names the
// element. Returns the GstDecodiffMeta (the overlay marks it painted).
GstDecodiffMeta* attach_result_metas(GstBuffer* buffer, const Result& result, uint64_t frame,
                                     const std::string& producer);

// The "decodiff-inspect" structure of the element message for one result
// (frame, pts, score, anomalous, threshold, class, class-id, latency-ms,
// regions, and error when the inspection failed). The caller owns it.
GstStructure* new_result_structure(const Result& result);

}  // namespace decodiff::gst
