// The JSON-lines results file alone (suite ResultsFile): write errors and the error field.
#include "failsafe_test_util.h"

using namespace decodiff::gst_test;
using namespace decodiff::failsafe_test;
using decodiff::gst::Inspection;

TEST(ResultsFile, WriteErrorThrowsOnceAndLaterLinesAreDropped) {
  decodiff::gst::ResultsFile file;
  file.open("/dev/full");
  decodiff::gst::Result r;
  EXPECT_THROW(file.write(r), std::runtime_error);
  EXPECT_NO_THROW(file.write(r));  // already reported; nothing more is written
  EXPECT_NO_THROW(file.sync());
  EXPECT_NO_THROW(file.close());
  EXPECT_THROW(file.open("/nonexistent-dir/r.jsonl"), std::runtime_error);
}

TEST(ResultsFile, ErrorFieldIsAppendedAndJsonStaysValid) {
  decodiff::gst::Result r;
  r.frame_number = 4;
  r.inspection.score = kNaN;
  r.anomalous = true;
  r.class_name = "nut";
  r.regions.push_back(decodiff::gst::Region{0, 0, 8, 6, kNaN});
  r.error = "non-finite score";
  const std::string line = decodiff::gst::json_line(r);
  EXPECT_EQ(line,
            "{\"frame\":4,\"pts\":-1,\"score\":null,\"anomalous\":true,\"threshold\":0.0,\"class\":\"nut\","
            "\"regions\":[{\"x\":0,\"y\":0,\"w\":8,\"h\":6,\"score\":null}],\"latency_ms\":0.0,"
            "\"error\":\"non-finite score\"}");
  r.error.clear();
  r.inspection.score = 0.25f;
  EXPECT_EQ(decodiff::gst::json_line(r).find("error"), std::string::npos);
}
