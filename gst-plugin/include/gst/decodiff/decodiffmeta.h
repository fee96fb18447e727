/* In-tree stand-in for the installed <gst/decodiff/decodiffmeta.h>, so that
 * the example app and the tests include the header exactly as apps do. */
#include "../../../decodiffmeta.h"
