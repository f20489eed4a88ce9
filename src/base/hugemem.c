/*
 * hugemem.c — huge-page-backed table memory; see hugemem.h.
 *
 * A region of n >= YQ_HUGE_MIN bytes is mapped with one extra huge page of
 * slack, the unaligned head and the tail beyond the rounded size are
 * unmapped again, and the rest (a whole number of 2 MiB pages, aligned) is
 * advised MADV_HUGEPAGE.  yq_huge_free recomputes the rounded size from n.
 */
#define _DEFAULT_SOURCE
#include "base/hugemem.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

static size_t rounded(size_t n)
{
	return (n + YQ_HUGE_PAGE - 1) & ~(YQ_HUGE_PAGE - 1);
}

void *yq_huge_alloc(size_t n)
{
	if (n < YQ_HUGE_MIN)
		return calloc(1, n);
	size_t len = rounded(n);
	if (len < n || len + YQ_HUGE_PAGE < len)
		return NULL; /* overflow */
	char *m = mmap(NULL, len + YQ_HUGE_PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	uintptr_t a = ((uintptr_t)m + YQ_HUGE_PAGE - 1) & ~(uintptr_t)(YQ_HUGE_PAGE - 1);
	char *p = (char *)a;
	if (p > m)
		munmap(m, (size_t)(p - m));
	size_t tail = (size_t)(m + len + YQ_HUGE_PAGE - (p + len));
	if (tail)
		munmap(p + len, tail);
	madvise(p, len, MADV_HUGEPAGE);
	return p;
}

void yq_huge_free(void *p, size_t n)
{
	if (!p)
		return;
	if (n < YQ_HUGE_MIN)
		free(p);
	else
		munmap(p, rounded(n));
}
