/* Test kernel whose WRAM globals plus tasklet stacks exceed 64 KB: loading it must fail. */
#include <defs.h>
#include <stdint.h>

__host uint8_t oversized_buffer[60000];

int main(void) {
  oversized_buffer[me()] = 1;
  return 0;
}
