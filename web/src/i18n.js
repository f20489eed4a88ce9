// i18n.js — the dashboard's words in Chinese (default) and English.  The
// choice is remembered in localStorage ('yq.lang').  t(key) falls back to
// Chinese, then to the key itself, so a missing English word shows up as
// Chinese rather than as nothing.
const zh = {
  'app.title': '舆情监测', 'nav.overview': '总览', 'nav.events': '事件', 'nav.alerts': '预警',
  'nav.cases': '工单', 'nav.schemes': '监测方案', 'nav.sources': '信息源', 'nav.logout': '退出',
  'login.title': '登录舆情监测系统', 'login.name': '用户名', 'login.password': '密码', 'login.submit': '登录',
  'login.failed': '用户名或密码错误', 'login.limited': '失败次数过多，请稍后再试',
  'ov.posts': '帖子总数', 'ov.events': '事件', 'ov.alerts_open': '未处理预警', 'ov.volume': '声量与情感',
  'ov.rising': '上升事件', 'ov.feed': '实时预警', 'ov.sources': '信息源状态', 'ov.level_counts': '按预警级别',
  'ov.window': '数据时段', 'ov.hour': '按小时', 'ov.day': '按天', 'ov.neg_share': '负面占比',
  'lv.I': 'Ⅰ级 红色', 'lv.II': 'Ⅱ级 橙色', 'lv.III': 'Ⅲ级 黄色', 'lv.IV': 'Ⅳ级 蓝色', 'lv.none': '无',
  'sent.negative': '负面', 'sent.neutral': '中性', 'sent.positive': '正面', 'sent.unrated': '未判定',
  'col.level': '级别', 'col.risk': '风险', 'col.title': '标题', 'col.size': '帖子数', 'col.first': '首次出现',
  'col.last': '最近出现', 'col.state': '状态', 'col.neg': '负面占比', 'col.places': '地域', 'col.time': '时间',
  'col.event': '事件', 'col.reason': '原因', 'col.acked': '签收', 'col.actions': '操作', 'col.name': '名称',
  'col.kind': '类型', 'col.platform': '平台', 'col.tier': '级别', 'col.region': '地区', 'col.items': '条目',
  'col.rejected': '拒收', 'col.errors': '错误', 'col.last_item': '最近条目', 'col.last_error': '最近错误',
  'col.health': '健康', 'col.number': '编号', 'col.dept': '部门', 'col.due': '期限', 'col.who': '操作人',
  'col.what': '动作', 'col.note': '说明', 'col.posts': '帖子', 'col.weight': '权重', 'col.value': '取值',
  'col.contribution': '贡献', 'col.factor': '因素', 'col.source': '来源', 'col.word': '词', 'col.group': '词组',
  'f.level': '级别', 'f.scheme': '方案', 'f.place': '地域', 'f.since': '起', 'f.until': '止', 'f.all': '全部',
  'f.acked': '签收状态', 'f.acked_no': '未签收', 'f.acked_yes': '已签收', 'f.state': '状态', 'f.apply': '筛选',
  'f.min_risk': '最低风险', 'f.sort': '排序', 'sort.risk': '按风险', 'sort.last_seen': '按最近', 'sort.size': '按规模',
  'ev.timeline': '声量与情感时间线', 'ev.keywords': '关键词', 'ev.places': '地域排名', 'ev.sources': '平台与信源级别',
  'ev.posts': '代表性帖子', 'ev.why': '预警原因', 'ev.create_case': '创建工单', 'ev.case_created': '已创建工单',
  'ev.alerts': '预警记录', 'ev.no_alert': '该事件尚未触发预警', 'ev.back': '← 返回事件列表',
  'why.factors': '风险因素', 'why.baseline': '基线', 'why.thresholds': '级别阈值',
  'al.ack': '签收', 'al.acked': '已签收', 'al.escalate': '升级为工单', 'al.ack_note': '签收说明（可选）',
  'al.ack_done': '预警已签收', 'al.deliveries': '推送记录',
  'cs.board': '工单看板', 'cs.history': '处理记录', 'cs.deadlines': '各环节期限', 'cs.actions': '可执行操作',
  'cs.response': '公开回应', 'cs.none_allowed': '当前角色在此状态下无可执行操作', 'cs.note': '说明',
  'cs.resolution': '办结结论', 'cs.overdue': '已超期', 'cs.done': '操作已完成', 'cs.channel': '渠道',
  'cs.link': '链接', 'cs.text': '回应内容', 'cs.respond': '发布回应', 'cs.why': '来源与原因',
  'st.assess': '研判', 'st.instruct': '批示', 'st.handle': '处置', 'st.respond': '回应', 'st.supervise': '督办',
  'st.closed': '办结', 'st.archived': '归档', 'st.open': '进行中', 'st.rising': '上升', 'st.merged': '已合并',
  'act.submit': '提交批示', 'act.instruct': '批示', 'act.handled': '处置完毕', 'act.respond': '回应',
  'act.return': '退回', 'act.close': '办结', 'act.archive': '归档', 'act.reopen': '重新打开', 'act.note': '会商意见',
  'res.fixed': '已解决', 'res.not_fixed': '未解决', 'res.not_ours': '非本单位职责', 'res.clarified': '不实信息已澄清',
  'res.duplicate': '重复',
  'sc.list': '方案列表', 'sc.edit': '编辑方案', 'sc.test': '实时测试', 'sc.test_text': '输入一段文本，边输入边测试',
  'sc.examples': '必中 / 必不中 示例', 'sc.must_match': '必中示例（每行一条）', 'sc.must_not_match': '必不中示例（每行一条）',
  'sc.save': '保存', 'sc.saved': '方案已保存（重启后生效于实时匹配）', 'sc.backtest': '回测（每日命中帖子数）',
  'sc.matches': '命中', 'sc.nomatch': '未命中任何方案', 'sc.region': '地域词', 'sc.subject': '主体词',
  'sc.event': '事件词', 'sc.exclude': '排除词', 'sc.enabled': '启用', 'sc.pass': '通过', 'sc.fail': '未通过',
  'src.ok': '正常', 'src.err': '异常', 'src.idle': '无数据',
  'common.loading': '加载中…', 'common.empty': '暂无数据', 'common.error': '出错了', 'common.total': '共',
  'common.prev': '上一页', 'common.next': '下一页', 'common.yes': '是', 'common.no': '否', 'common.save': '保存',
};
const en = {
  'app.title': 'Opinion Monitor', 'nav.overview': 'Overview', 'nav.events': 'Events', 'nav.alerts': 'Alerts',
  'nav.cases': 'Cases', 'nav.schemes': 'Schemes', 'nav.sources': 'Sources', 'nav.logout': 'Log out',
  'login.title': 'Log in to yuqing', 'login.name': 'User name', 'login.password': 'Password', 'login.submit': 'Log in',
  'login.failed': 'Wrong user name or password', 'login.limited': 'Too many failures, try again later',
  'ov.posts': 'Posts', 'ov.events': 'Events', 'ov.alerts_open': 'Open alerts', 'ov.volume': 'Volume and sentiment',
  'ov.rising': 'Rising events', 'ov.feed': 'Live alerts', 'ov.sources': 'Source health', 'ov.level_counts': 'By warning level',
  'ov.window': 'Data window', 'ov.hour': 'Hourly', 'ov.day': 'Daily', 'ov.neg_share': 'Negative share',
  'lv.I': 'Level I red', 'lv.II': 'Level II orange', 'lv.III': 'Level III yellow', 'lv.IV': 'Level IV blue', 'lv.none': 'none',
  'sent.negative': 'Negative', 'sent.neutral': 'Neutral', 'sent.positive': 'Positive', 'sent.unrated': 'Unrated',
  'col.level': 'Level', 'col.risk': 'Risk', 'col.title': 'Title', 'col.size': 'Posts', 'col.first': 'First seen',
  'col.last': 'Last seen', 'col.state': 'State', 'col.neg': 'Negative', 'col.places': 'Places', 'col.time': 'Time',
  'col.event': 'Event', 'col.reason': 'Reason', 'col.acked': 'Ack', 'col.actions': 'Actions', 'col.name': 'Name',
  'col.kind': 'Kind', 'col.platform': 'Platform', 'col.tier': 'Tier', 'col.region': 'Region', 'col.items': 'Items',
  'col.rejected': 'Rejected', 'col.errors': 'Errors', 'col.last_item': 'Last item', 'col.last_error': 'Last error',
  'col.health': 'Health', 'col.number': 'Number', 'col.dept': 'Department', 'col.due': 'Due', 'col.who': 'By',
  'col.what': 'Action', 'col.note': 'Note', 'col.posts': 'Posts', 'col.weight': 'Weight', 'col.value': 'Value',
  'col.contribution': 'Contribution', 'col.factor': 'Factor', 'col.source': 'Source', 'col.word': 'Word', 'col.group': 'Group',
  'f.level': 'Level', 'f.scheme': 'Scheme', 'f.place': 'Place', 'f.since': 'Since', 'f.until': 'Until', 'f.all': 'All',
  'f.acked': 'Acknowledged', 'f.acked_no': 'Open', 'f.acked_yes': 'Acknowledged', 'f.state': 'State', 'f.apply': 'Filter',
  'f.min_risk': 'Min risk', 'f.sort': 'Sort', 'sort.risk': 'Risk', 'sort.last_seen': 'Latest', 'sort.size': 'Size',
  'ev.timeline': 'Volume and sentiment timeline', 'ev.keywords': 'Keywords', 'ev.places': 'Places ranked',
  'ev.sources': 'Platforms and source tiers', 'ev.posts': 'Representative posts', 'ev.why': 'Why the alert',
  'ev.create_case': 'Create case', 'ev.case_created': 'Case created', 'ev.alerts': 'Alerts',
  'ev.no_alert': 'No alert for this event yet', 'ev.back': '← Back to events',
  'why.factors': 'Risk factors', 'why.baseline': 'Baseline', 'why.thresholds': 'Level thresholds',
  'al.ack': 'Acknowledge', 'al.acked': 'Acknowledged', 'al.escalate': 'Escalate to case', 'al.ack_note': 'Note (optional)',
  'al.ack_done': 'Alert acknowledged', 'al.deliveries': 'Deliveries',
  'cs.board': 'Case board', 'cs.history': 'History', 'cs.deadlines': 'Deadlines', 'cs.actions': 'Actions',
  'cs.response': 'Public response', 'cs.none_allowed': 'Your role has no action in this state', 'cs.note': 'Note',
  'cs.resolution': 'Resolution', 'cs.overdue': 'Overdue', 'cs.done': 'Done', 'cs.channel': 'Channel',
  'cs.link': 'Link', 'cs.text': 'Response text', 'cs.respond': 'Publish response', 'cs.why': 'Origin and why',
  'st.assess': 'Assess', 'st.instruct': 'Instruction', 'st.handle': 'Handling', 'st.respond': 'Response',
  'st.supervise': 'Supervision', 'st.closed': 'Closed', 'st.archived': 'Archived', 'st.open': 'Open',
  'st.rising': 'Rising', 'st.merged': 'Merged',
  'act.submit': 'Submit for instruction', 'act.instruct': 'Instruct', 'act.handled': 'Handled', 'act.respond': 'Respond',
  'act.return': 'Return', 'act.close': 'Close', 'act.archive': 'Archive', 'act.reopen': 'Reopen', 'act.note': 'Consultation note',
  'res.fixed': 'Fixed', 'res.not_fixed': 'Not fixed', 'res.not_ours': 'Not our responsibility',
  'res.clarified': 'False information clarified', 'res.duplicate': 'Duplicate',
  'sc.list': 'Schemes', 'sc.edit': 'Edit scheme', 'sc.test': 'Test as you type', 'sc.test_text': 'Type a text to test it',
  'sc.examples': 'Must-match / must-not-match examples', 'sc.must_match': 'Must match (one per line)',
  'sc.must_not_match': 'Must not match (one per line)', 'sc.save': 'Save',
  'sc.saved': 'Scheme saved (live matching picks it up at the next start)', 'sc.backtest': 'Backtest (matched posts per day)',
  'sc.matches': 'Matches', 'sc.nomatch': 'No scheme matches', 'sc.region': 'Region words', 'sc.subject': 'Subject words',
  'sc.event': 'Event words', 'sc.exclude': 'Exclude words', 'sc.enabled': 'Enabled', 'sc.pass': 'pass', 'sc.fail': 'FAIL',
  'src.ok': 'OK', 'src.err': 'Failing', 'src.idle': 'No data',
  'common.loading': 'Loading…', 'common.empty': 'Nothing here', 'common.error': 'Error', 'common.total': 'Total',
  'common.prev': 'Previous', 'common.next': 'Next', 'common.yes': 'yes', 'common.no': 'no', 'common.save': 'Save',
};
const tables = { zh, en };
let lang = (() => { try { return localStorage.getItem('yq.lang') === 'en' ? 'en' : 'zh'; } catch { return 'zh'; } })();

export function t(key) { return tables[lang][key] ?? zh[key] ?? key; }
export function getLang() { return lang; }
export function setLang(l) {
  lang = l === 'en' ? 'en' : 'zh';
  try { localStorage.setItem('yq.lang', lang); } catch { /* private mode: not remembered */ }
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
}
// applyStatic: the words of elements marked data-i18n in the page shell.
export function applyStatic(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
}
