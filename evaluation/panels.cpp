#include "panels.h"

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "imaging/heatmap.h"

namespace decodiff::evaluation {
namespace {

constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;

cv::Mat enlarge(const cv::Mat& m, int size) {
  if (m.cols == size) return m;
  cv::Mat out;
  cv::resize(m, out, cv::Size(size, size), 0, 0, cv::INTER_NEAREST);
  return out;
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

void write_or_throw(const std::string& path, const cv::Mat& m) {
  bool ok = false;
  try {
    ok = cv::imwrite(path, m);
  } catch (const cv::Exception&) {
  }
  if (!ok) throw std::runtime_error("cannot write '" + path + "'");
}

}  // namespace

cv::Mat render_panel(const PanelContent& c, double pixel_threshold, double image_threshold) {
  const int crop = c.input.cols;
  const int tile = std::max(crop, 256);
  const int header = 30, footer = 52, gap = 6;
  const int width = 4 * tile + 5 * gap;
  cv::Mat panel(header + tile + footer, width, CV_8UC3, cv::Scalar(255, 255, 255));

  cv::Mat gt;
  cv::cvtColor(c.mask * 255, gt, cv::COLOR_GRAY2RGB);
  // JET blended 50/50 with the input, as the reference visualiser.
  cv::Mat overlay = imaging::heatmap_overlay(c.input, c.map, 0.5);
  // Region predicted anomalous, drawn at tile resolution so that the outline stays thin.
  cv::Mat map_big;
  cv::resize(c.map, map_big, cv::Size(tile, tile), 0, 0, cv::INTER_LINEAR);
  cv::Mat predicted = map_big >= pixel_threshold;
  std::vector<std::vector<cv::Point>> contours;
  cv::findContours(predicted, contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
  cv::Mat overlay_big = enlarge(overlay, tile).clone();
  cv::drawContours(overlay_big, contours, -1, cv::Scalar(255, 255, 255), 3, cv::LINE_AA);
  cv::drawContours(overlay_big, contours, -1, cv::Scalar(255, 0, 255), 1, cv::LINE_AA);
  cv::Mat gt_big = enlarge(gt, tile);

  const cv::Mat tiles[4] = {enlarge(c.input, tile), enlarge(c.reconstruction, tile), gt_big, overlay_big};
  const char* titles[4] = {"input", "reconstruction", "ground truth", "anomaly map"};
  for (int i = 0; i < 4; ++i) {
    const int x = gap + i * (tile + gap);
    cv::Mat bgr;
    cv::cvtColor(tiles[i], bgr, cv::COLOR_RGB2BGR);
    bgr.copyTo(panel(cv::Rect(x, header, tile, tile)));
    cv::putText(panel, titles[i], {x + 4, header - 9}, kFont, 0.6, cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
  }
  const int fy = header + tile + 20;
  cv::putText(panel, c.caption + "      magenta outline: map >= " + fmt("%.4f", pixel_threshold),
              {gap + 4, fy}, kFont, 0.55, cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
  std::string line = "score " + fmt("%.4f", c.score) + "   label: " + (c.anomalous ? "anomalous" : "normal");
  cv::Scalar color(0, 0, 0);
  if (image_threshold >= 0) {
    const bool predicted_anomalous = c.score >= image_threshold;
    line += "   predicted: " + std::string(predicted_anomalous ? "anomalous" : "normal") +
            " (image threshold " + fmt("%.4f", image_threshold) + ")";
    color = predicted_anomalous == c.anomalous ? cv::Scalar(0, 120, 0) : cv::Scalar(0, 0, 200);
  }
  cv::putText(panel, line, {gap + 4, fy + 24}, kFont, 0.55, color, 1, cv::LINE_AA);
  return panel;
}

void stash_panel(const std::string& stem, const PanelContent& c) {
  cv::Mat parts;
  cv::Mat mask3;
  cv::cvtColor(c.mask, mask3, cv::COLOR_GRAY2RGB);
  cv::hconcat(std::vector<cv::Mat>{c.input, c.reconstruction, mask3}, parts);
  write_or_throw(stem + ".parts.png", parts);  // raw RGB bytes; PNG is lossless
  cv::Mat map = c.map.isContinuous() ? c.map : c.map.clone();
  std::ofstream f(stem + ".map.f32", std::ios::binary);
  f.write(reinterpret_cast<const char*>(map.ptr<float>()),
          static_cast<std::streamsize>(map.total() * sizeof(float)));
  nlohmann::json meta = {{"caption", c.caption}, {"score", c.score}, {"anomalous", c.anomalous}};
  std::ofstream(stem + ".json") << meta.dump();
  if (!f) throw std::runtime_error("cannot write '" + stem + ".map.f32'");
}

PanelContent load_stashed_panel(const std::string& stem) {
  PanelContent c;
  cv::Mat parts = cv::imread(stem + ".parts.png", cv::IMREAD_UNCHANGED);
  if (parts.empty() || parts.cols != 3 * parts.rows)
    throw std::runtime_error("cannot read '" + stem + ".parts.png'");
  const int crop = parts.rows;
  c.input = parts(cv::Rect(0, 0, crop, crop)).clone();
  c.reconstruction = parts(cv::Rect(crop, 0, crop, crop)).clone();
  cv::extractChannel(parts(cv::Rect(2 * crop, 0, crop, crop)), c.mask, 0);
  c.map = cv::Mat(crop, crop, CV_32FC1);
  std::ifstream f(stem + ".map.f32", std::ios::binary);
  f.read(reinterpret_cast<char*>(c.map.ptr<float>()),
         static_cast<std::streamsize>(c.map.total() * sizeof(float)));
  if (!f) throw std::runtime_error("cannot read '" + stem + ".map.f32'");
  std::ifstream j(stem + ".json");
  const nlohmann::json meta = nlohmann::json::parse(j);
  c.caption = meta.at("caption").get<std::string>();
  c.score = meta.at("score").get<float>();
  c.anomalous = meta.at("anomalous").get<bool>();
  return c;
}

void remove_stashed_panel(const std::string& stem) {
  std::error_code ec;
  for (const char* ext : {".parts.png", ".map.f32", ".json"}) std::filesystem::remove(stem + ext, ec);
}

}  // namespace decodiff::evaluation
