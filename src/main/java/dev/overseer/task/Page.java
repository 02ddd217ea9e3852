package dev.overseer.task;

import java.util.List;

/** One page of a listing; {@code nextSeq} is null on the last page. */
public record Page<T>(List<T> items, Long nextSeq) {}
