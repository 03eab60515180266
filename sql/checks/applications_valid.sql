-- Applications: known requisition, stage dates in order.
select a.application_id, a.requisition_id from applications as a
left join requisitions as q using (requisition_id)
where q.requisition_id is null
   or a.screened_date < a.applied_date or a.interviewed_date < a.screened_date
   or a.offered_date < a.interviewed_date or a.accepted_date < a.offered_date
