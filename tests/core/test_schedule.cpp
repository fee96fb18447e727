#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "schedule.h"

namespace decodiff {
namespace {

// docs/algorithm.md, "The noise schedule", read from the reference implementation.
const double kAlphaBar[] = {0.972093, 0.898706, 0.786911, 0.647478, 0.493844,
                            0.340810, 0.203121, 0.094046, 0.024092, 0.000024};
const double kSigma[] = {0.167055, 0.318267, 0.461616, 0.593735, 0.711447,
                         0.811905, 0.892681, 0.951816, 0.987881, 0.999988};
const double kCoefficient[] = {0.084118, 0.163381, 0.244619, 0.329001, 0.417825,
                               0.512635, 0.615349, 0.728430, 0.855149, 0.995104};

TEST(NoiseSchedule, MatchesReferenceTable) {
  NoiseSchedule schedule(10);
  ASSERT_EQ(schedule.steps(), 10);
  for (int t = 0; t < 10; ++t) {
    EXPECT_NEAR(schedule.alpha_bar(t), kAlphaBar[t], 1e-6) << "t=" << t;
    EXPECT_NEAR(schedule.sigma(t), kSigma[t], 1e-6) << "t=" << t;
    EXPECT_NEAR(schedule.target_coefficient(t), kCoefficient[t], 1e-6) << "t=" << t;
  }
}

TEST(NoiseSchedule, BetasAreCappedAndIncreasing) {
  NoiseSchedule schedule(10);
  for (int t = 1; t < 10; ++t) EXPECT_GT(schedule.betas()[t], schedule.betas()[t - 1]);
  EXPECT_LE(schedule.betas()[9], 0.999);
}

TEST(NoiseSchedule, RejectsUnknownScheduleAndTimestep) {
  EXPECT_THROW(NoiseSchedule(10, "linear"), std::invalid_argument);
  NoiseSchedule schedule(10);
  EXPECT_THROW(schedule.alpha_bar(10), std::out_of_range);
  EXPECT_THROW(schedule.sigma(-1), std::out_of_range);
}

TEST(Respacing, LegalReverseStepCounts) {
  EXPECT_EQ(respaced_timesteps(10, 5), (std::vector<int>{0, 2, 4, 6, 8}));
  EXPECT_EQ(respaced_timesteps(10, 4), (std::vector<int>{0, 3, 6, 9}));
  EXPECT_EQ(respaced_timesteps(10, 3), (std::vector<int>{0, 4, 8}));
  EXPECT_EQ(respaced_timesteps(10, 2), (std::vector<int>{0, 5}));
  EXPECT_EQ(respaced_timesteps(10, 10), (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(legal_reverse_steps(10), (std::vector<int>{2, 3, 4, 5, 10}));
}

TEST(Respacing, IllegalCountIsRejectedWithTheLegalOnes) {
  for (int r : {0, 1, 6, 7, 9, 11}) {
    try {
      respaced_timesteps(10, r);
      FAIL() << "R=" << r << " accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("legal values: 2 3 4 5 10"), std::string::npos) << e.what();
    }
  }
}

TEST(Respacing, DeltasOfFiveStepsMatchTheAlgorithmPage) {
  NoiseSchedule schedule(10);
  const auto kept = respaced_timesteps(10, 5);
  const double expected[] = {0.1671, 0.2946, 0.2498, 0.1812, 0.0952};  // t = 0,2,4,6,8 -> next smaller
  for (size_t i = 0; i < kept.size(); ++i) {
    const double next = i == 0 ? 0.0 : schedule.sigma(kept[i - 1]);
    const double delta = i == 0 ? schedule.sigma(kept[0]) : schedule.sigma(kept[i]) - next;
    EXPECT_NEAR(delta, expected[i], 1e-4) << "t=" << kept[i];
  }
}

}  // namespace
}  // namespace decodiff
