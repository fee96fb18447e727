// Precompiled header for test executables: LibTorch + GoogleTest.
#pragma once

#include <gtest/gtest.h>

#include "../../core/pch/core_pch.h"
