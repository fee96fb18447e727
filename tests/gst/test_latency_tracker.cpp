// LatencyTracker: the median it reports and when it asks to re-announce.
#include <gtest/gtest.h>

#include "latency_tracker.h"

using decodiff::gst::LatencyTracker;

TEST(LatencyTracker, FirstInspectionIsAnnouncedAndTheMedianIsOfTheSamples) {
  LatencyTracker t;
  EXPECT_EQ(t.median_ms(), 0.0);
  EXPECT_TRUE(t.record(40));
  EXPECT_EQ(t.median_ms(), 40.0);
  EXPECT_FALSE(t.record(10));  // {10, 40}: the upper median, 40
  EXPECT_FALSE(t.record(45));  // {10, 40, 45}: 40
  EXPECT_EQ(t.median_ms(), 40.0);
}

TEST(LatencyTracker, AnnouncesOnlyWhenTheMedianMovesByMoreThanAQuarter) {
  LatencyTracker t;
  EXPECT_TRUE(t.record(100));   // announced: 100
  EXPECT_FALSE(t.record(120));  // median 120: +20 %
  EXPECT_FALSE(t.record(130));  // median 120
  EXPECT_TRUE(t.record(200));   // median 130: +30 %, announced: 130
  EXPECT_EQ(t.median_ms(), 130.0);
  EXPECT_FALSE(t.record(200));  // 130
  EXPECT_FALSE(t.record(90));   // 130
  EXPECT_FALSE(t.record(90));   // 120
  EXPECT_FALSE(t.record(90));   // 120
  EXPECT_FALSE(t.record(50));   // 100: -23 %
  EXPECT_FALSE(t.record(50));   // 100
  EXPECT_TRUE(t.record(50));    // 90: -31 %, announced
  EXPECT_EQ(t.median_ms(), 90.0);
}

TEST(LatencyTracker, TheMedianIsOverTheLastWindowOnly) {
  LatencyTracker t;
  for (size_t i = 0; i < LatencyTracker::kWindow; ++i) t.record(10);
  for (size_t i = 0; i < LatencyTracker::kWindow / 2; ++i) t.record(1000);
  EXPECT_EQ(t.median_ms(), 10.0);  // 51 tens, 50 thousands
  t.record(1000);
  EXPECT_EQ(t.median_ms(), 1000.0);  // the oldest ten left the window
}
