// The decodiffinspect property parsers alone: strict integers (no
// wrap-around), one clear message per malformed value.
#include "property_parsing.h"

#include <gtest/gtest.h>

#include <climits>
#include <string>

using decodiff::Rect;
using decodiff::gst::parse_class;
using decodiff::gst::parse_device;
using decodiff::gst::parse_integer;
using decodiff::gst::parse_precision;
using decodiff::gst::parse_roi;
using decodiff::gst::roi_fit_error;

namespace {

std::string roi_error(const std::string& text) { return parse_roi(text).error; }

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST(ParseInteger, DecimalInRange) {
  EXPECT_EQ(parse_integer("0", 0, 10).value, 0);
  EXPECT_EQ(parse_integer("10", 0, 10).value, 10);
  EXPECT_EQ(parse_integer("007", 0, 10).value, 7);
  EXPECT_EQ(parse_integer("-3", -5, 5).value, -3);
  EXPECT_EQ(parse_integer("2147483647", 0, INT_MAX).value, INT_MAX);
}

TEST(ParseInteger, RefusesWhatIsNotADecimalInteger) {
  for (const char* bad : {"", " 1", "1 ", "+1", "1.0", "0x10", "1e3", "12a", "-", "--1", "1-"}) {
    auto r = parse_integer(bad, 0, 100);
    EXPECT_FALSE(r.ok()) << '"' << bad << '"';
    EXPECT_TRUE(contains(r.error, "is not a decimal integer")) << r.error;
  }
}

TEST(ParseInteger, OutOfRangeNeverWraps) {
  auto r = parse_integer("11", 0, 10);
  EXPECT_EQ(r.error, "\"11\" is out of range (0..10)");
  // 2^32 + 10: a 32-bit wrap-around would read 10
  r = parse_integer("4294967306", 0, INT_MAX);
  EXPECT_EQ(r.error, "\"4294967306\" is out of range (0..2147483647)");
  // beyond int64
  r = parse_integer("99999999999999999999999", 0, INT_MAX);
  EXPECT_TRUE(contains(r.error, "out of range")) << r.error;
  r = parse_integer("-1", 0, 10);
  EXPECT_TRUE(contains(r.error, "out of range")) << r.error;
}

TEST(ParseRoi, EmptyIsTheWholeFrame) {
  auto r = parse_roi("");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.value.empty());
}

TEST(ParseRoi, FourIntegersWithOptionalSpaces) {
  auto r = parse_roi("100,50,400,300");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value.x, 100);
  EXPECT_EQ(r.value.y, 50);
  EXPECT_EQ(r.value.width, 400);
  EXPECT_EQ(r.value.height, 300);
  EXPECT_FALSE(r.value.empty());
  r = parse_roi(" 1 , 2 ,\t3, 4 ");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value.x + r.value.y + r.value.width + r.value.height, 10);
  // the largest region caps can hold
  r = parse_roi("0,0,2147483647,2147483647");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value.width, INT_MAX);
}

TEST(ParseRoi, WrapAroundIsAnError) {
  // 4294967306 = 2^32 + 10 was read as x = 10
  EXPECT_EQ(roi_error("4294967306,0,10,10"),
            "roi \"4294967306,0,10,10\": x \"4294967306\" is out of range (0..2147483647)");
  EXPECT_TRUE(contains(roi_error("0,4294967306,10,10"), "y \"4294967306\" is out of range")) << "";
  EXPECT_TRUE(contains(roi_error("0,0,4294967297,10"), "width \"4294967297\" is out of range"));
  EXPECT_TRUE(contains(roi_error("0,0,10,-4294967295"), "height \"-4294967295\" is out of range"));
}

TEST(ParseRoi, SumsBeyondTheLargestFrameAreErrors) {
  // each field fits an int, the right/bottom edge does not: crashed in the resize
  EXPECT_EQ(roi_error("2147483647,0,10,10"),
            "roi \"2147483647,0,10,10\": x + width = 2147483657 exceeds the largest frame size (2147483647)");
  EXPECT_EQ(
      roi_error("0,2147483647,10,10"),
      "roi \"0,2147483647,10,10\": y + height = 2147483657 exceeds the largest frame size (2147483647)");
  EXPECT_TRUE(contains(roi_error("150,0,2147483647,10"), "x + width = 2147483797")) << "";
}

TEST(ParseRoi, MalformedValuesGiveOneLineNamingTheField) {
  EXPECT_EQ(roi_error("1,2,3"), "roi \"1,2,3\": expected x,y,width,height (4 integers), found 3 fields");
  EXPECT_EQ(roi_error("1,2,3,4,5"),
            "roi \"1,2,3,4,5\": expected x,y,width,height (4 integers), found 5 fields");
  EXPECT_EQ(roi_error("abc"), "roi \"abc\": expected x,y,width,height (4 integers), found 1 field");
  EXPECT_EQ(roi_error("1,2,3,4x"), "roi \"1,2,3,4x\": height \"4x\" is not a decimal integer");
  EXPECT_EQ(roi_error("1,,3,4"), "roi \"1,,3,4\": y \"\" is not a decimal integer");
  EXPECT_EQ(roi_error("1.5,2,3,4"), "roi \"1.5,2,3,4\": x \"1.5\" is not a decimal integer");
  EXPECT_EQ(roi_error("-1,2,3,4"), "roi \"-1,2,3,4\": x \"-1\" is out of range (0..2147483647)");
  EXPECT_EQ(roi_error("1,2,0,4"), "roi \"1,2,0,4\": width \"0\" is out of range (1..2147483647)");
  EXPECT_EQ(roi_error("1,2,3,0"), "roi \"1,2,3,0\": height \"0\" is out of range (1..2147483647)");
  EXPECT_FALSE(parse_roi(" ").ok());
  EXPECT_FALSE(parse_roi("1,2,3,4 @a").ok());
  // unprintable bytes are shown as '?', and long texts are cut
  EXPECT_EQ(roi_error(std::string("1,2,3,\x01", 7)),
            "roi \"1,2,3,?\": height \"?\" is not a decimal integer");
  EXPECT_LT(roi_error(std::string(1000, '9')).size(), 300u);
}

TEST(RoiFit, ChecksBothEdgesWithoutOverflow) {
  EXPECT_EQ(roi_fit_error(Rect{}, 96, 80), "");
  EXPECT_EQ(roi_fit_error(Rect{0, 0, 96, 80}, 96, 80), "");
  EXPECT_EQ(roi_fit_error(Rect{50, 50, 60, 60}, 96, 80),
            "roi 50,50,60,60 does not fit in the 96x80 frame (x + width = 110, y + height = 110)");
  EXPECT_NE(roi_fit_error(Rect{0, 0, 97, 80}, 96, 80), "");
  EXPECT_NE(roi_fit_error(Rect{0, 1, 96, 80}, 96, 80), "");
  // int arithmetic would wrap x + width to a negative number and pass
  EXPECT_EQ(
      roi_fit_error(Rect{150, 0, INT_MAX, 10}, 320, 240),
      "roi 150,0,2147483647,10 does not fit in the 320x240 frame (x + width = 2147483797, y + height = 10)");
  EXPECT_NE(roi_fit_error(Rect{INT_MAX, 0, 10, 10}, 320, 240), "");
}

TEST(ParseClass, NamesAndIds) {
  auto c = parse_class("bottle");
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c.value.by_id);
  EXPECT_EQ(c.value.name, "bottle");
  c = parse_class("3");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c.value.by_id);
  EXPECT_EQ(c.value.id, 3);
  EXPECT_EQ(parse_class("4294967299").error, "class id \"4294967299\" is out of range (0..2147483647)");
  EXPECT_FALSE(parse_class("").ok());
  EXPECT_FALSE(parse_class("a\nb").ok());
}

TEST(ParseDevice, KnownFormsOnly) {
  EXPECT_EQ(parse_device("auto").value, "auto");
  EXPECT_EQ(parse_device("cpu").value, "cpu");
  EXPECT_EQ(parse_device("cuda").value, "cuda");
  EXPECT_EQ(parse_device("cuda:1").value, "cuda:1");
  EXPECT_EQ(parse_device("cuda:01").value, "cuda:1");
  EXPECT_EQ(parse_device("tpu").error, "device \"tpu\": use auto, cpu, cuda or cuda:N");
  EXPECT_FALSE(parse_device("cuda:").ok());  // was taken as cuda:0
  EXPECT_FALSE(parse_device("cuda:-1").ok());
  EXPECT_FALSE(parse_device("cuda:1x").ok());
  EXPECT_EQ(parse_device("cuda:4294967296").error,
            "device \"cuda:4294967296\": the CUDA device index \"4294967296\" is out of range (0..127)");
  EXPECT_FALSE(parse_device("CPU").ok());
  EXPECT_FALSE(parse_device("").ok());
}

TEST(ParsePrecision, CanonicalNames) {
  EXPECT_EQ(parse_precision("fp32").value, "fp32");
  EXPECT_EQ(parse_precision("float").value, "fp32");
  EXPECT_EQ(parse_precision("half").value, "fp16");
  EXPECT_EQ(parse_precision("bfloat16").value, "bf16");
  EXPECT_EQ(parse_precision("fp8").error, "precision \"fp8\": use fp32, fp16 or bf16");
  EXPECT_FALSE(parse_precision("").ok());
}

TEST(ParseRegions, AListOfRegionsWithClassesAndThresholds) {
  using decodiff::gst::parse_regions;
  auto r = parse_regions("10,20,200,200@nut; 300,20,200,200@capsule:0.35 ;0,300,50,50:1");
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.value.size(), 3u);
  EXPECT_EQ(r.value[0].rect, (Rect{10, 20, 200, 200}));
  EXPECT_EQ(r.value[0].class_name, "nut");
  EXPECT_EQ(r.value[0].threshold, -1);  // the element's
  EXPECT_EQ(r.value[1].class_name, "capsule");
  EXPECT_DOUBLE_EQ(r.value[1].threshold, 0.35);
  EXPECT_EQ(r.value[2].class_name, "");
  EXPECT_DOUBLE_EQ(r.value[2].threshold, 1.0);
  EXPECT_TRUE(parse_regions("").ok());
  EXPECT_TRUE(parse_regions("").value.empty());  // the whole frame
  auto one = parse_regions("1,2,3,4");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one.value.size(), 1u);
}

TEST(ParseRegions, EachBadRegionIsOneLineNamingIt) {
  using decodiff::gst::parse_regions;
  EXPECT_EQ(parse_regions("0,0,10,10;5,5,10,10").error,
            "roi: regions 1 (0,0,10,10) and 2 (5,5,10,10) overlap; each pixel may belong to one region");
  EXPECT_EQ(parse_regions("0,0,10,10:1.5").error,
            "roi \"0,0,10,10:1.5\": threshold \"1.5\" is not a decimal number between 0 and 1");
  EXPECT_EQ(parse_regions("0,0,10,10:-0.1").error,
            "roi \"0,0,10,10:-0.1\": threshold \"-0.1\" is not a decimal number between 0 and 1");
  EXPECT_EQ(parse_regions("0,0,10,10;@nut").error,
            "roi region 2 \"@nut\": no rectangle (expected x,y,width,height)");
  EXPECT_EQ(parse_regions("0,0,10,10;20,0,4294967306,10").error.rfind("roi region 2 roi ", 0), 0u)
      << parse_regions("0,0,10,10;20,0,4294967306,10").error;
  EXPECT_FALSE(parse_regions("0,0,10,10;").ok());  // an empty region
  EXPECT_FALSE(parse_regions("0,0,10,10@").ok());  // an empty class
  std::string many;
  for (int i = 0; i < 65; ++i) many += (i ? ";" : "") + std::to_string(i * 10) + ",0,10,10";
  EXPECT_EQ(parse_regions(many).error, "roi: 65 regions; at most 64");
}
