/**
 * Routing scripts, run atomically inside Redis so several sfu processes can
 * share one queue without ever giving a resident to two agents.
 *
 * Invariant kept by every script: no available agent matches any waiting
 * ticket it could serve (each change that could create such a pair is
 * followed by a dispatch). So a new ticket may take any matching available
 * agent (longest idle first) without overtaking an earlier ticket, and an
 * agent that becomes available takes the lowest-scored matching ticket
 * across all its skills.
 *
 * Key layout (p = prefix, '{xw}:' so that all keys share one Cluster slot):
 *   p t:<ticket>   hash    ticket
 *   p q:<skill>    zset    waiting tickets, score = enqueue time − priority head start
 *   p a:<agent>    hash    agent: state, since, skills (json), tags (json), ticket
 *   p av:<skill>   zset    available agents, score = available since (longest idle first)
 *   p timers       zset    'offer:<ticket>' / 'wrap:<agent>' → deadline (ms)
 *   p booth:<id>   string  the booth's active ticket
 *   p ev           stream  agent state changes (for statistics)
 */

const PRELUDE = `
local p = ARGV[1]
local function jset(s)
  local t = {}
  for _, v in ipairs(cjson.decode(s or '[]')) do t[v] = true end
  return t
end
local function matches(reqs, tags)
  for _, r in ipairs(reqs) do if not tags[r] then return false end end
  return true
end
local function setAgent(aid, state, now, reason, ticket)
  local a = p .. 'a:' .. aid
  local from = redis.call('HGET', a, 'state') or 'offline'
  redis.call('HSET', a, 'state', state, 'since', now, 'reason', reason or '', 'ticket', ticket or '')
  for _, s in ipairs(cjson.decode(redis.call('HGET', a, 'skills') or '[]')) do
    if state == 'available' then redis.call('ZADD', p .. 'av:' .. s, now, aid)
    else redis.call('ZREM', p .. 'av:' .. s, aid) end
  end
  redis.call('XADD', p .. 'ev', 'MAXLEN', '~', 100000, '*', 'agent', aid, 'from', from, 'to', state, 'reason', reason or '', 'at', now)
end
local function offer(tid, aid, now, deadline)
  local t = p .. 't:' .. tid
  redis.call('ZREM', p .. 'q:' .. redis.call('HGET', t, 'skill'), tid)
  redis.call('HSET', t, 'state', 'offered', 'agentId', aid, 'offeredAt', now)
  redis.call('ZADD', p .. 'timers', deadline, 'offer:' .. tid)
  setAgent(aid, 'offered', now, '', tid)
end
local function relax(t)
  local fallback = redis.call('HGET', t, 'thenReqs')
  if fallback and fallback ~= '' then
    redis.call('HSET', t, 'reqs', fallback, 'thenReqs', '')
    return 1
  end
  return 0
end
local function requeue(tid)
  local t = p .. 't:' .. tid
  relax(t)
  redis.call('HSET', t, 'state', 'waiting', 'agentId', '', 'offeredAt', '')
  redis.call('ZADD', p .. 'q:' .. redis.call('HGET', t, 'skill'), redis.call('HGET', t, 'score'), tid)
  redis.call('ZREM', p .. 'timers', 'offer:' .. tid)
end
`;

/** ARGV: p, ticket, now, offerDeadline → the agent offered, or false. */
export const DISPATCH_TICKET = `${PRELUDE}
local tid = ARGV[2]
local t = p .. 't:' .. tid
if redis.call('HGET', t, 'state') ~= 'waiting' then return false end
local reqs = cjson.decode(redis.call('HGET', t, 'reqs') or '[]')
for _, aid in ipairs(redis.call('ZRANGE', p .. 'av:' .. redis.call('HGET', t, 'skill'), 0, -1)) do
  local a = p .. 'a:' .. aid
  if redis.call('HGET', a, 'state') == 'available' and matches(reqs, jset(redis.call('HGET', a, 'tags'))) then
    offer(tid, aid, ARGV[3], ARGV[4])
    return aid
  end
end
return false`;

/** ARGV: p, agent, now, offerDeadline → the ticket offered, or false. Looks at the first 200 of each queue. */
export const DISPATCH_AGENT = `${PRELUDE}
local aid = ARGV[2]
local a = p .. 'a:' .. aid
if redis.call('HGET', a, 'state') ~= 'available' then return false end
local tags = jset(redis.call('HGET', a, 'tags'))
local best, bestScore
for _, s in ipairs(cjson.decode(redis.call('HGET', a, 'skills') or '[]')) do
  local items = redis.call('ZRANGE', p .. 'q:' .. s, 0, 199, 'WITHSCORES')
  for i = 1, #items, 2 do
    local sc = tonumber(items[i + 1])
    if best and sc >= bestScore then break end
    if matches(cjson.decode(redis.call('HGET', p .. 't:' .. items[i], 'reqs') or '[]'), tags) then
      best = items[i]
      bestScore = sc
      break
    end
  end
end
if not best then return false end
offer(best, aid, ARGV[3], ARGV[4])
return best`;

/**
 * ARGV: p, ticket → 1 when a waiting ticket took its fallback requirements
 * (thenReqs; e.g. an interpreter of any sign language once none of the asked
 * one is free); the caller dispatches it again.
 */
export const RELAX = `${PRELUDE}
local t = p .. 't:' .. ARGV[2]
if redis.call('HGET', t, 'state') ~= 'waiting' then return 0 end
return relax(t)`;

/** ARGV: p, ticket, agent, now, sessionId → 1 when the ticket was offered to this agent and is now answered. */
export const ACCEPT = `${PRELUDE}
local t = p .. 't:' .. ARGV[2]
if redis.call('HGET', t, 'state') ~= 'offered' or redis.call('HGET', t, 'agentId') ~= ARGV[3] then return 0 end
redis.call('HSET', t, 'state', 'answered', 'sessionId', ARGV[5], 'answeredAt', ARGV[4])
redis.call('ZREM', p .. 'timers', 'offer:' .. ARGV[2])
setAgent(ARGV[3], 'in-call', ARGV[4], '', ARGV[2])
return 1`;

/**
 * ARGV: p, ticket, agent, now, agentState, reason → 1 when an offer to this agent
 * was taken back and the ticket re-queued at its original place (missed or
 * declined offer, or a session that could not be set up).
 */
export const REQUEUE = `${PRELUDE}
local t = p .. 't:' .. ARGV[2]
local st = redis.call('HGET', t, 'state')
if (st ~= 'offered' and st ~= 'answered') or redis.call('HGET', t, 'agentId') ~= ARGV[3] then return 0 end
requeue(ARGV[2])
setAgent(ARGV[3], ARGV[5], ARGV[4], ARGV[6], '')
return 1`;

/**
 * ARGV: p, ticket, booth, now → 'waiting' | 'offered:<agent>' when withdrawn,
 * 'answered' when too late, 'gone' when unknown or not this booth's.
 */
export const WITHDRAW = `${PRELUDE}
local tid = ARGV[2]
local t = p .. 't:' .. tid
if redis.call('HGET', t, 'boothId') ~= ARGV[3] then return 'gone' end
local st = redis.call('HGET', t, 'state')
local res
if st == 'waiting' then
  redis.call('ZREM', p .. 'q:' .. redis.call('HGET', t, 'skill'), tid)
  res = 'waiting'
elseif st == 'offered' then
  local aid = redis.call('HGET', t, 'agentId')
  redis.call('ZREM', p .. 'timers', 'offer:' .. tid)
  setAgent(aid, 'available', ARGV[4], 'withdrawn', '')
  res = 'offered:' .. aid
elseif st == 'answered' then return 'answered'
else return 'gone' end
redis.call('HSET', t, 'state', 'cancelled', 'endedAt', ARGV[4])
if redis.call('GET', p .. 'booth:' .. ARGV[3]) == tid then redis.call('DEL', p .. 'booth:' .. ARGV[3]) end
return res`;

/** ARGV: p, ticket, now, wrapDeadline → the agent now in wrap-up, or false. */
export const FINISH = `${PRELUDE}
local tid = ARGV[2]
local t = p .. 't:' .. tid
if redis.call('HGET', t, 'state') ~= 'answered' then return false end
redis.call('HSET', t, 'state', 'ended', 'endedAt', ARGV[3])
local booth = redis.call('HGET', t, 'boothId')
if redis.call('GET', p .. 'booth:' .. booth) == tid then redis.call('DEL', p .. 'booth:' .. booth) end
local aid = redis.call('HGET', t, 'agentId')
local a = p .. 'a:' .. aid
if redis.call('HGET', a, 'state') == 'in-call' and redis.call('HGET', a, 'ticket') == tid then
  setAgent(aid, 'wrap-up', ARGV[3], '', '')
  redis.call('HSET', a, 'lastTicket', tid)
  redis.call('ZADD', p .. 'timers', ARGV[4], 'wrap:' .. aid)
  return aid
end
return false`;

/** ARGV: p, agent, expectedState, newState, now, reason → 1 when the agent was in expectedState. */
export const SET_STATE = `${PRELUDE}
local a = p .. 'a:' .. ARGV[2]
if (redis.call('HGET', a, 'state') or 'offline') ~= ARGV[3] then return 0 end
setAgent(ARGV[2], ARGV[4], ARGV[5], ARGV[6], '')
if ARGV[3] == 'wrap-up' then redis.call('ZREM', p .. 'timers', 'wrap:' .. ARGV[2]) end
return 1`;
