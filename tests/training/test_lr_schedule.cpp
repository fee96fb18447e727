// The learning-rate schedule shaped to --max-minutes (training/lr_schedule.h).
#include <gtest/gtest.h>

#include <cmath>

#include "lr_schedule.h"
#include "trainer.h"

using decodiff::train::budget_fraction;
using decodiff::train::budgeted_lr_factor;
using decodiff::train::lr_factor;

namespace {
double cosine(double steps_after_warmup, double horizon) {
  return 0.5 * (1.0 + std::cos(M_PI * steps_after_warmup / horizon));
}
}  // namespace

TEST(BudgetedLearningRate, WithoutABudgetItIsTheEpochSchedule) {
  for (int64_t step : {0, 5, 49, 50, 51, 300, 999, 1000})
    EXPECT_DOUBLE_EQ(budgeted_lr_factor(step, 50, 1000, 0.0), lr_factor(step, 50, 1000)) << step;
}

TEST(BudgetedLearningRate, TimeMovesTheScheduleWhenItIsAheadOfTheSteps) {
  // 1000 steps planned, 50 of warm-up (5 %), horizon 1.5 * 1000 - 50 = 1450.
  // Half the budget used after 100 steps: the schedule stands at step 500.
  EXPECT_NEAR(budgeted_lr_factor(100, 50, 1000, 0.5), cosine(450, 1450), 1e-12);
  // Budget used up: the factor of the last planned step.
  EXPECT_NEAR(budgeted_lr_factor(100, 50, 1000, 1.0), cosine(950, 1450), 1e-12);
  EXPECT_NEAR(budgeted_lr_factor(100, 50, 1000, 1.0), lr_factor(1000, 50, 1000), 1e-12);
  // Warm-up is the same fraction of the budget: 2.5 % of it = effective step 25 -> 26/50.
  EXPECT_NEAR(budgeted_lr_factor(3, 50, 1000, 0.025), 26.0 / 50.0, 1e-12);
  // Steps ahead of time: the steps decide.
  EXPECT_NEAR(budgeted_lr_factor(800, 50, 1000, 0.1), lr_factor(800, 50, 1000), 1e-12);
  // A fraction outside [0, 1] is clamped.
  EXPECT_NEAR(budgeted_lr_factor(100, 50, 1000, 3.0), lr_factor(1000, 50, 1000), 1e-12);
}

TEST(BudgetedLearningRate, AShortRunOfALongScheduleEndsAtTheScheduleFloor) {
  // 200 epochs of 10 steps with 10 warm-up epochs; the time runs out after 17.5 epochs.
  const int64_t total = 2000, warmup = 100, step = 175;
  EXPECT_GT(lr_factor(step, warmup, total), 0.99);  // without shaping: still at the peak
  const double end = budgeted_lr_factor(step, warmup, total, 1.0);
  EXPECT_NEAR(end, cosine(1900, 2900), 1e-12);
  EXPECT_NEAR(end, 0.2658, 1e-4);
}

TEST(BudgetFraction, CountsFromThePhaseStart) {
  EXPECT_DOUBLE_EQ(budget_fraction(600, 0, 1200), 0.5);
  EXPECT_DOUBLE_EQ(budget_fraction(600, 300, 1200), 1.0 / 3.0);  // a VAE phase took the first 300 s
  EXPECT_DOUBLE_EQ(budget_fraction(2000, 0, 1200), 1.0);
  EXPECT_DOUBLE_EQ(budget_fraction(100, 300, 1200), 0.0);
  EXPECT_DOUBLE_EQ(budget_fraction(600, 0, 0), 0.0);         // no budget
  EXPECT_DOUBLE_EQ(budget_fraction(1300, 1250, 1200), 0.0);  // none left for the phase
}
