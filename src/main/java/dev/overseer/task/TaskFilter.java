package dev.overseer.task;

import java.util.Map;

/** What a listing asks for; null fields do not filter. {@code beforeSeq} is the decoded cursor. */
public record TaskFilter(TaskState state, String profile, Map<String, String> labels, Long beforeSeq, int limit) {}
