#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "common.h"
static void test_nothing(void **state) { struct ms_sim *sim = new_sim(); ms_sim_free(sim); }
int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_nothing) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
